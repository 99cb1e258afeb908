// Expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL
// EXPIRETIME PEXPIRETIME PERSIST, lazy expiry, the active cycle and the
// propagated effects.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "baton/server/server.h"
#include "baton/store/database.h"
#include "support/server_fixture.h"

namespace baton {
namespace expire_test {
namespace {

// "prefix" followed by the decimal `i` (avoids GCC 12's -Wrestrict false
// positive on `"literal" + std::to_string(i)`).
std::string Cat(std::string_view prefix, int64_t i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

struct RecordingSink : server::EffectSink {
  std::vector<std::vector<std::string>> got;
  void OnEffects(std::span<const server::Effect> effects) override {
    for (const auto& e : effects) got.push_back(e.args);
  }
};

class ExpireTest : public testing::ServerFixture {
 protected:
  void Put(const std::string& key, const std::string& value = "v", int db = 0) {
    srv().db(db).Set(key, store::Value::FromString(value));
  }
  bool Present(const std::string& key, int db = 0) {
    return srv().db(db).Lookup(key, store::kLookupNoTouch) != nullptr;
  }
  int64_t Now() { return srv().NowMs(); }
  // The value of an integer reply (":123\r\n").
  static int64_t IntOf(const std::string& reply) {
    EXPECT_EQ(reply[0], ':') << reply;
    return std::stoll(reply.substr(1));
  }
};

TEST_F(ExpireTest, ExpireSetsTtlAndKeyExpiresLazily) {
  Put("k");
  EXPECT_EQ(Run({"EXPIRE", "k", "10"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(10));
  int64_t pttl = IntOf(Run({"PTTL", "k"}));
  EXPECT_LE(pttl, 10000);
  EXPECT_GT(pttl, 9000);
  AdvanceClock(9000);
  pttl = IntOf(Run({"PTTL", "k"}));
  EXPECT_LE(pttl, 1000);
  EXPECT_GT(pttl, 0);
  EXPECT_EQ(Run({"TTL", "k"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(1));
  AdvanceClock(1000);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(srv().db(0).size(), 0U);
  EXPECT_EQ(srv().db(0).expires_size(), 0U);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-2));
}

TEST_F(ExpireTest, TtlRoundsToNearestSecond) {
  Put("k");
  EXPECT_EQ(Run({"PEXPIRE", "k", "1700"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(2));  // 1.7 s rounds up
  AdvanceClock(400);
  EXPECT_EQ(Run({"TTL", "k"}), Int(1));  // 1.3 s rounds down
}

TEST_F(ExpireTest, TtlOfMissingAndPersistentKeys) {
  EXPECT_EQ(Run({"TTL", "nokey"}), Int(-2));
  EXPECT_EQ(Run({"PTTL", "nokey"}), Int(-2));
  EXPECT_EQ(Run({"EXPIRETIME", "nokey"}), Int(-2));
  EXPECT_EQ(Run({"PEXPIRETIME", "nokey"}), Int(-2));
  Put("k");
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(-1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(-1));
}

TEST_F(ExpireTest, AbsoluteForms) {
  Put("k");
  int64_t at_s = Now() / 1000 + 100;
  EXPECT_EQ(Run({"EXPIREAT", "k", std::to_string(at_s)}), Int(1));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(at_s));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(at_s * 1000));
  int64_t at_ms = Now() + 123456;
  EXPECT_EQ(Run({"PEXPIREAT", "k", std::to_string(at_ms)}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(at_ms));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int((at_ms + 500) / 1000));
}

TEST_F(ExpireTest, MissingKeyReturnsZero) {
  EXPECT_EQ(Run({"EXPIRE", "nokey", "10"}), Int(0));
  EXPECT_EQ(Run({"PEXPIREAT", "nokey", "1"}), Int(0));
  EXPECT_EQ(Run({"PERSIST", "nokey"}), Int(0));
}

TEST_F(ExpireTest, PastTimeDeletesAndPropagatesDel) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  Put("a");
  Put("b");
  Put("c");
  EXPECT_EQ(Run({"EXPIRE", "a", "-1"}), Int(1));
  EXPECT_EQ(Run({"PEXPIREAT", "b", "1"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "c", "0"}), Int(1));
  EXPECT_FALSE(Present("a"));
  EXPECT_FALSE(Present("b"));
  EXPECT_FALSE(Present("c"));
  ASSERT_EQ(sink.got.size(), 3U);
  EXPECT_EQ(sink.got[0], (std::vector<std::string>{"DEL", "a"}));
  EXPECT_EQ(sink.got[1], (std::vector<std::string>{"DEL", "b"}));
  EXPECT_EQ(sink.got[2], (std::vector<std::string>{"DEL", "c"}));
}

TEST_F(ExpireTest, RelativeFormsPropagateAsPexpireat) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  Put("k");
  const int64_t before = Now();
  EXPECT_EQ(Run({"EXPIRE", "k", "10"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRE", "k", "10000", "XX"}), Int(1));
  const int64_t after = Now();
  const int64_t at_s = after / 1000 + 20;
  EXPECT_EQ(Run({"EXPIREAT", "k", std::to_string(at_s)}), Int(1));
  EXPECT_EQ(Run({"PEXPIREAT", "k", "99999999999999"}), Int(1));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(0));
  ASSERT_EQ(sink.got.size(), 5U);
  // Relative times become the absolute time the command computed.
  for (int i : {0, 1}) {
    ASSERT_GE(sink.got[i].size(), 3U);
    EXPECT_EQ(sink.got[i][0], "PEXPIREAT");
    EXPECT_EQ(sink.got[i][1], "k");
    const int64_t when = std::stoll(sink.got[i][2]);
    EXPECT_GE(when, before + 10000);
    EXPECT_LE(when, after + 10000);
  }
  EXPECT_EQ(sink.got[0].size(), 3U);
  EXPECT_EQ(sink.got[1].size(), 4U);
  EXPECT_EQ(sink.got[1].back(), "XX");
  EXPECT_EQ(sink.got[2], (std::vector<std::string>{"PEXPIREAT", "k", std::to_string(at_s * 1000)}));
  EXPECT_EQ(sink.got[3], (std::vector<std::string>{"PEXPIREAT", "k", "99999999999999"}));
  EXPECT_EQ(sink.got[4], (std::vector<std::string>{"PERSIST", "k"}));
}

TEST_F(ExpireTest, LazyExpiryPropagatesDel) {
  RecordingSink sink;
  srv().AddEffectSink(&sink);
  Put("k");
  EXPECT_EQ(Run({"PEXPIRE", "k", "5"}), Int(1));
  sink.got.clear();
  AdvanceClock(10);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-2));
  ASSERT_EQ(sink.got.size(), 1U);
  EXPECT_EQ(sink.got[0], (std::vector<std::string>{"DEL", "k"}));
}

TEST_F(ExpireTest, OptionErrors) {
  Put("k");
  const std::string nx_err =
      Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "NX", "XX"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "nx", "gt"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "GT", "NX"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "gt", "lt"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "foo"}), Err("ERR Unsupported option foo"));
  // Options are checked before the time, even on a missing key.
  EXPECT_EQ(Run({"EXPIRE", "nokey", "abc", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(Run({"EXPIRE", "k", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"EXPIRE", "k", "1.5"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"EXPIRE", "k"}), Err("ERR wrong number of arguments for 'expire' command"));
  EXPECT_EQ(Run({"TTL", "k", "x"}), Err("ERR wrong number of arguments for 'ttl' command"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));  // nothing changed
}

TEST_F(ExpireTest, OverflowErrors) {
  Put("k");
  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"EXPIRE", "k", "92233720368547758"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"EXPIRE", "k", "-9223372036854775808"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"PEXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Run({"EXPIREAT", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  // The largest absolute time is accepted.
  EXPECT_EQ(Run({"PEXPIREAT", "k", "9223372036854775807"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(9223372036854775807));
}

TEST_F(ExpireTest, NxXxGtLtSemantics) {
  Put("k");
  // Absolute times, so the milliseconds between commands change nothing.
  const int64_t base = Now() + 1000000;
  auto at = [&](int64_t offset) { return std::to_string(base + offset); };
  // No TTL counts as infinite: GT never applies, LT always does.
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(0), "XX"}), Int(0));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(0), "GT"}), Int(0));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(-1));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(0), "LT"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(base));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(-50), "NX"}), Int(0));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(-50), "GT"}), Int(0));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(0), "GT"}), Int(0));  // equal is not greater
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(0), "LT"}), Int(0));  // nor less
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(100), "GT"}), Int(1));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(200), "LT"}), Int(0));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(50), "lt"}), Int(1));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(20), "XX"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(base + 20));
  EXPECT_EQ(Run({"PEXPIREAT", "k", at(30), "XX", "GT"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(base + 30));
  // Relative forms compare the same way.
  EXPECT_EQ(Run({"EXPIRE", "k", "5000", "GT"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "GT"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(5000));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "NX"}), Int(1));
  // A refused past time leaves the key alone.
  EXPECT_EQ(Run({"EXPIRE", "k", "-5", "GT"}), Int(0));
  EXPECT_TRUE(Present("k"));
}

TEST_F(ExpireTest, PersistRemovesTtl) {
  Put("k");
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "10"}), Int(1));
  EXPECT_EQ(srv().db(0).expires_size(), 1U);
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(srv().db(0).expires_size(), 0U);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  AdvanceClock(20000);
  EXPECT_TRUE(Present("k"));
}

TEST_F(ExpireTest, ExpireSignalsWatchers) {
  std::vector<std::string> signals;
  srv().AddKeyModifiedHook([&](int, std::string_view key) { signals.emplace_back(key); });
  Put("k");
  signals.clear();
  EXPECT_EQ(Run({"EXPIRE", "k", "10"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "nokey", "10"}), Int(0));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(signals, (std::vector<std::string>{"k", "k"}));
}

TEST_F(ExpireTest, ReplicaKeepsExpiredKeysButHidesThem) {
  Put("k");
  EXPECT_EQ(Run({"PEXPIRE", "k", "10"}), Int(1));
  srv().role().is_replica = true;
  AdvanceClock(20);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-2));
  EXPECT_EQ(srv().db(0).size(), 1U);  // the master's DEL will remove it
  srv().role().is_replica = false;
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(srv().db(0).size(), 0U);
}

TEST_F(ExpireTest, ScanAndKeysHideExpiredKeys) {
  Put("live");
  Put("dead");
  EXPECT_EQ(Run({"PEXPIRE", "dead", "10"}), Int(1));
  AdvanceClock(20);
  EXPECT_EQ(Run({"KEYS", "*"}), "*1\r\n" + Bulk("live"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "100"}), "*2\r\n" + Bulk("0") + "*1\r\n" + Bulk("live"));
}

// What the cron does for the keyspace each tick: active expiry, then resizing.
void ExpiryTick(server::Server& srv) {
  srv.ActiveExpireCycleForTesting();
  for (int i = 0; i < srv.db_count(); ++i) {
    srv.db(i).ShrinkIfSparse();
    srv.db(i).RehashFor(1000);
  }
}

// Many keys with short TTLs are all reclaimed by the active expiry
// cycle alone (no access), within a bounded number of cron ticks.
TEST_F(ExpireTest, ActiveCycleReclaimsManyKeys) {
  // Enough keys for the tables to grow, rehash and shrink back many times.
  constexpr int kKeys = 200000;
  store::Database& db = srv().db(0);
  const int64_t when = Now() + 60000;  // well after the inserts end
  for (int i = 0; i < kKeys; ++i) {
    store::KeyEntry* e = db.Set(Cat("key:", i), store::Value::FromInteger(i));
    db.SetExpire(e, when);
  }
  Put("persistent");
  ASSERT_EQ(db.size(), static_cast<size_t>(kKeys) + 1);
  ASSERT_EQ(db.expires_size(), static_cast<size_t>(kKeys));
  ExpiryTick(srv());
  EXPECT_EQ(db.expires_size(), static_cast<size_t>(kKeys));  // nothing is due yet
  AdvanceClock(120000);
  const uint64_t expired_before = srv().stats().expired_keys;
  int ticks = 0;
  while (db.expires_size() > 0 && ticks < 20000) {
    ExpiryTick(srv());
    ++ticks;
  }
  EXPECT_EQ(db.expires_size(), 0U) << "after " << ticks << " cron ticks";
  EXPECT_EQ(db.size(), 1U);
  EXPECT_TRUE(Present("persistent"));
  EXPECT_EQ(srv().stats().expired_keys - expired_before, static_cast<uint64_t>(kKeys));
  // The emptied tables shrink back.
  for (int i = 0; i < 1000 && db.OverheadBytes() >= 4096; ++i) ExpiryTick(srv());
  EXPECT_LT(db.OverheadBytes(), 4096U);
}

TEST_F(ExpireTest, ActiveCycleRespectsDisableAndReplicas) {
  Put("k");
  EXPECT_EQ(Run({"PEXPIRE", "k", "10"}), Int(1));
  AdvanceClock(20);
  srv().active_expire_enabled = false;
  ExpiryTick(srv());
  EXPECT_EQ(srv().db(0).size(), 1U);
  srv().active_expire_enabled = true;
  srv().role().is_replica = true;
  ExpiryTick(srv());
  EXPECT_EQ(srv().db(0).size(), 1U);
  srv().role().is_replica = false;
  ExpiryTick(srv());
  EXPECT_EQ(srv().db(0).size(), 0U);
}

}  // namespace
}  // namespace expire_test
}  // namespace baton
