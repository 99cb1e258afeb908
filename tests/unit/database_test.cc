// store::Database: the TTL index, Set/Add/Delete, keep_ttl, Detach/Attach,
// SwapContents, lazy and active expiry, RandomKey, access tracking.
#include "baton/store/database.h"

#include <gtest/gtest.h>

#include <climits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace baton::store {
namespace database_test {
namespace {

// "prefix" followed by the decimal `i` (avoids GCC 12's -Wrestrict false
// positive on `"literal" + std::to_string(i)`).
std::string Cat(std::string_view prefix, int64_t i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

class FakeListener : public KeyspaceListener {
 public:
  [[nodiscard]] int64_t NowMs() const override { return now_ms; }
  [[nodiscard]] bool ExpiryMayDelete() const override { return may_delete; }
  void OnKeyExpired(Database&, std::string_view key) override { expired.emplace_back(key); }
  void OnKeyModified(Database& db, std::string_view key) override {
    std::string entry = std::to_string(db.index());
    entry += ':';
    entry.append(key);
    modified.push_back(std::move(entry));
  }
  [[nodiscard]] bool LfuEnabled() const override { return lfu; }

  int64_t now_ms = 1700000000000;
  bool may_delete = true;
  bool lfu = false;
  std::vector<std::string> expired;
  std::vector<std::string> modified;
};

class DatabaseTest : public ::testing::Test {
 protected:
  Value V(const std::string& s) { return Value::FromString(s); }
  std::string Str(Database& d, const std::string& key) {
    KeyEntry* e = d.Lookup(key, kLookupNoTouch);
    return e == nullptr ? "(nil)" : std::string(e->value.Bytes().view());
  }
  // Every key with a TTL agrees with the expires index, and vice versa.
  void CheckTtlIndex(Database& d) {
    size_t with_ttl = 0;
    d.ForEach([&](KeyEntry* e) {
      if (e->has_expire) {
        ++with_ttl;
        EXPECT_GE(d.GetExpire(e), 0) << e->Key();
      } else {
        EXPECT_EQ(d.GetExpire(e), -1) << e->Key();
      }
    });
    EXPECT_EQ(with_ttl, d.expires_size());
  }

  FakeListener listener;
  Database db{0, &listener};
};

// The text of an integer lives inside StringBytes: copies must carry it.
TEST(StringBytesTest, CopiesOfAnIntegersTextStayValid) {
  StringBytes copy;
  {
    const StringBytes original = Value::FromInteger(INT64_MIN).Bytes();
    copy = original;
    EXPECT_EQ(original.view(), "-9223372036854775808");
  }
  const StringBytes copied_again(copy);  // NOLINT(performance-unnecessary-copy-initialization)
  copy = Value::FromInteger(42).Bytes();
  EXPECT_EQ(copy.view(), "42");
  EXPECT_EQ(copied_again.view(), "-9223372036854775808");
  const Value text = Value::FromString("a longer string kept on the heap, not inline");
  const StringBytes heap = text.Bytes();
  const StringBytes heap_copy(heap);  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(heap_copy.view().data(), heap.view().data());
}

TEST_F(DatabaseTest, SetAddDeleteSignal) {
  db.Add("a", V("1"));
  db.Set("a", V("2"));
  db.Set("b", V("3"));
  EXPECT_EQ(db.size(), 2U);
  EXPECT_EQ(Str(db, "a"), "2");
  EXPECT_TRUE(db.Delete("a"));
  EXPECT_FALSE(db.Delete("a"));
  EXPECT_EQ(listener.modified, (std::vector<std::string>{"0:a", "0:a", "0:b", "0:a"}));
}

TEST_F(DatabaseTest, TtlIndexStaysConsistent) {
  for (int i = 0; i < 2000; ++i) {
    KeyEntry* e = db.Set(Cat("k", i), V("v"));
    if (i % 2 == 0) db.SetExpire(e, listener.now_ms + 1000 + i);
  }
  EXPECT_EQ(db.expires_size(), 1000U);
  CheckTtlIndex(db);
  // Overwrite some (clears the TTL), re-expire some, persist some, delete some.
  for (int i = 0; i < 2000; i += 3) db.Set(Cat("k", i), V("w"));
  for (int i = 1; i < 2000; i += 10) db.SetExpire(db.Lookup(Cat("k", i)), 5);
  for (int i = 0; i < 2000; i += 8) {
    if (KeyEntry* e = db.Lookup(Cat("k", i))) db.Persist(e);
  }
  for (int i = 0; i < 2000; i += 7) db.Delete(Cat("k", i));
  CheckTtlIndex(db);
  KeyEntry* e = db.Lookup("k2", kLookupNoTouch);
  ASSERT_NE(e, nullptr);
  db.SetExpire(e, listener.now_ms + 10);
  db.SetExpire(e, listener.now_ms + 20);  // an update, not a second entry
  EXPECT_EQ(db.GetExpire(e), listener.now_ms + 20);
  CheckTtlIndex(db);
}

TEST_F(DatabaseTest, SetKeepTtl) {
  KeyEntry* e = db.Set("k", V("1"));
  db.SetExpire(e, listener.now_ms + 500);
  e = db.Set("k", V("2"), /*keep_ttl=*/true);
  EXPECT_EQ(db.GetExpire(e), listener.now_ms + 500);
  EXPECT_EQ(db.expires_size(), 1U);
  e = db.Set("k", V("3"));
  EXPECT_EQ(db.GetExpire(e), -1);
  EXPECT_EQ(db.expires_size(), 0U);
  EXPECT_EQ(Str(db, "k"), "3");
}

TEST_F(DatabaseTest, LazyExpiryOnLookup) {
  KeyEntry* e = db.Set("k", V("1"));
  db.SetExpire(e, listener.now_ms + 100);
  EXPECT_TRUE(db.Exists("k"));
  listener.now_ms += 100;
  EXPECT_FALSE(db.Exists("k"));  // no side effect
  EXPECT_EQ(db.size(), 1U);
  EXPECT_EQ(db.Lookup("k", kLookupNoExpire), nullptr);
  EXPECT_EQ(db.size(), 1U);
  EXPECT_NE(db.Lookup("k", kLookupIgnoreTtl), nullptr);
  listener.may_delete = false;
  EXPECT_EQ(db.Lookup("k"), nullptr);
  EXPECT_EQ(db.size(), 1U);
  EXPECT_TRUE(listener.expired.empty());
  listener.may_delete = true;
  EXPECT_EQ(db.Lookup("k"), nullptr);
  EXPECT_EQ(db.size(), 0U);
  EXPECT_EQ(db.expires_size(), 0U);
  EXPECT_EQ(listener.expired, (std::vector<std::string>{"k"}));
}

TEST_F(DatabaseTest, DetachAttachKeepsEntryAndExpire) {
  KeyEntry* e = db.Set("k", V("value"));
  db.SetExpire(e, listener.now_ms + 1000);
  KeyEntry* detached = db.Detach("k");
  ASSERT_EQ(detached, e);
  EXPECT_EQ(db.size(), 0U);
  EXPECT_EQ(db.expires_size(), 0U);
  EXPECT_EQ(db.Detach("k"), nullptr);
  Database other(1, &listener);
  other.Attach(detached, listener.now_ms + 1000);
  EXPECT_EQ(other.expires_size(), 1U);
  EXPECT_EQ(other.GetExpire(other.Lookup("k")), listener.now_ms + 1000);
  EXPECT_EQ(Str(other, "k"), "value");
  KeyEntry* again = other.Detach("k");
  db.Attach(again, -1);
  EXPECT_EQ(db.GetExpire(again), -1);
  EXPECT_EQ(db.expires_size(), 0U);
}

TEST_F(DatabaseTest, SwapContents) {
  Database other(1, &listener);
  db.SetExpire(db.Set("a", V("1")), listener.now_ms + 10);
  other.Set("b", V("2"));
  other.Set("c", V("3"));
  db.SwapContents(other);
  EXPECT_EQ(db.index(), 0);
  EXPECT_EQ(other.index(), 1);
  EXPECT_EQ(db.size(), 2U);
  EXPECT_EQ(db.expires_size(), 0U);
  EXPECT_EQ(other.expires_size(), 1U);
  EXPECT_EQ(Str(db, "b"), "2");
  EXPECT_EQ(Str(other, "a"), "1");
  // Expiry in the swapped db reports the new db.
  listener.now_ms += 10;
  listener.modified.clear();
  EXPECT_EQ(other.Lookup("a"), nullptr);
  EXPECT_EQ(listener.modified, (std::vector<std::string>{"1:a"}));
}

TEST_F(DatabaseTest, ClearEmptiesBothIndexes) {
  for (int i = 0; i < 100; ++i) db.SetExpire(db.Set(std::to_string(i), V("v")), 1);
  db.Clear();
  EXPECT_EQ(db.size(), 0U);
  EXPECT_EQ(db.expires_size(), 0U);
  db.Set("x", V("y"));
  EXPECT_EQ(Str(db, "x"), "y");
}

TEST_F(DatabaseTest, ActiveExpireRoundDeletesOnlyExpired) {
  for (int i = 0; i < 10; ++i) {
    db.SetExpire(db.Set(Cat("old", i), V("v")), listener.now_ms - 1);
  }
  for (int i = 0; i < 10; ++i) {
    db.SetExpire(db.Set(Cat("new", i), V("v")), listener.now_ms + 60000);
  }
  db.Set("forever", V("v"));
  size_t expired = 0;
  for (int round = 0; round < 100 && expired < 10; ++round) {
    auto r = db.ActiveExpireRound(20);
    EXPECT_LE(r.sampled, 20U);
    expired += r.expired;
  }
  EXPECT_EQ(expired, 10U);
  EXPECT_EQ(db.size(), 11U);
  EXPECT_EQ(db.expires_size(), 10U);
  EXPECT_EQ(listener.expired.size(), 10U);
  EXPECT_GT(db.avg_ttl_ms(), 0);
  CheckTtlIndex(db);
}

TEST_F(DatabaseTest, ActiveExpireRoundOnTinyTable) {
  // One expired key in a 4-bucket table: sampled once, deleted once.
  db.SetExpire(db.Set("k", V("v")), listener.now_ms - 1);
  auto r = db.ActiveExpireRound(20);
  EXPECT_EQ(r.sampled, 1U);
  EXPECT_EQ(r.expired, 1U);
  EXPECT_EQ(listener.expired.size(), 1U);
  EXPECT_EQ(db.size(), 0U);
}

TEST_F(DatabaseTest, RandomKeyDeletesExpiredUntilLiveKey) {
  for (int i = 0; i < 1000; ++i) db.SetExpire(db.Set(Cat("e", i), V("v")), 1);
  db.Set("live", V("v"));
  KeyEntry* e = db.RandomKey();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->Key(), "live");
  for (int i = 0; i < 1000; ++i) db.SetExpire(db.Set(Cat("e", i), V("v")), 1);
  db.Delete("live");
  EXPECT_EQ(db.RandomKey(), nullptr);
  EXPECT_EQ(db.size(), 0U);
}

TEST_F(DatabaseTest, RandomKeyOnReplicaWithOnlyExpiredKeysTerminates) {
  listener.may_delete = false;
  for (int i = 0; i < 10; ++i) db.SetExpire(db.Set(Cat("e", i), V("v")), 1);
  EXPECT_NE(db.RandomKey(), nullptr);  // an expired key, like Redis on a replica
  EXPECT_EQ(db.size(), 10U);
}

TEST_F(DatabaseTest, ScanReportsAllKeys) {
  for (int i = 0; i < 500; ++i) db.Set(Cat("k", i), V("v"));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = db.Scan(cursor, [&](KeyEntry* e) { seen.emplace(e->Key()); });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 500U);
}

TEST_F(DatabaseTest, LruIdleTime) {
  KeyEntry* e = db.Set("k", V("v"));
  listener.now_ms += 7000;
  EXPECT_EQ(db.IdleSeconds(e), 7);
  db.Lookup("k", kLookupNoTouch);
  EXPECT_EQ(db.IdleSeconds(e), 7);
  db.Lookup("k");
  EXPECT_EQ(db.IdleSeconds(e), 0);
}

TEST_F(DatabaseTest, LfuCounterGrowsLogarithmicallyAndDecays) {
  listener.lfu = true;
  KeyEntry* e = db.Set("k", V("v"));
  EXPECT_EQ(db.LfuCounter(e), 5);
  db.Touch(e);
  EXPECT_EQ(db.LfuCounter(e), 6);
  for (int i = 0; i < 100000; ++i) db.Touch(e);
  const int after = db.LfuCounter(e);
  EXPECT_GT(after, 10);
  EXPECT_LT(after, 255);  // logarithmic: far fewer than the accesses
  // Overwriting keeps the access history under LFU.
  db.Set("k", V("w"));
  EXPECT_EQ(db.LfuCounter(e), after);
  listener.now_ms += 5 * 60 * 1000;
  EXPECT_EQ(db.LfuCounter(e), after - 5);
  listener.now_ms += 1000LL * 60 * 1000;
  EXPECT_EQ(db.LfuCounter(e), 0);
}

}  // namespace
}  // namespace database_test
}  // namespace baton::store
