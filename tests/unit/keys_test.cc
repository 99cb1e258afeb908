// Keyspace commands: DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX MOVE COPY
// RANDOMKEY DBSIZE SWAPDB FLUSHDB FLUSHALL KEYS SCAN OBJECT.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "baton/server/server.h"
#include "baton/store/database.h"
#include "support/server_fixture.h"

namespace baton {
namespace keys_test {
namespace {

// "prefix" followed by the decimal `i` (avoids GCC 12's -Wrestrict false
// positive on `"literal" + std::to_string(i)`).
std::string Cat(std::string_view prefix, int64_t i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

class KeysTest : public testing::ServerFixture {
 protected:
  // Stores a string directly, so these tests do not depend on SET.
  void Put(const std::string& key, const std::string& value, int db = 0) {
    srv().db(db).Set(key, store::Value::FromString(value));
  }
  // The string at `key` in `db`, or "(nil)".
  std::string Get(const std::string& key, int db = 0) {
    store::KeyEntry* e = srv().db(db).Lookup(key, store::kLookupNoTouch);
    if (e == nullptr) return "(nil)";
    return std::string(e->value.Bytes().view());
  }
  int64_t ExpireOf(const std::string& key, int db = 0) {
    store::KeyEntry* e = srv().db(db).Lookup(key, store::kLookupNoTouch);
    return e == nullptr ? -2 : srv().db(db).GetExpire(e);
  }
  static std::string Array(const std::vector<std::string>& items) {
    std::string out = Cat("*", items.size()) + "\r\n";
    for (const auto& i : items) out += Bulk(i);
    return out;
  }
  // Parses a flat RESP array of bulk strings (KEYS reply).
  static std::set<std::string> BulkSet(const std::string& resp) {
    std::set<std::string> out;
    size_t pos = resp.find("\r\n") + 2;
    while (pos < resp.size()) {
      EXPECT_EQ(resp[pos], '$');
      size_t eol = resp.find("\r\n", pos);
      size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
      out.insert(resp.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    }
    return out;
  }
};

TEST_F(KeysTest, DelCountsOnlyExistingKeysOnce) {
  Put("a", "1");
  Put("b", "2");
  EXPECT_EQ(Run({"DEL", "a", "a", "b", "nokey"}), Int(2));
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(Run({"DEL", "a"}), Int(0));
  EXPECT_EQ(Run({"DEL"}), Err("ERR wrong number of arguments for 'del' command"));
}

TEST_F(KeysTest, UnlinkDeletes) {
  Put("a", "1");
  EXPECT_EQ(Run({"UNLINK", "a", "b"}), Int(1));
  EXPECT_EQ(Get("a"), "(nil)");
}

TEST_F(KeysTest, DelOfExpiredKeyCountsZero) {
  Put("a", "1");
  EXPECT_EQ(Run({"PEXPIRE", "a", "100"}), Int(1));
  AdvanceClock(200);
  EXPECT_EQ(Run({"DEL", "a"}), Int(0));
  EXPECT_EQ(srv().db(0).size(), 0U);
}

TEST_F(KeysTest, ExistsCountsRepeats) {
  Put("a", "1");
  EXPECT_EQ(Run({"EXISTS", "a", "a", "nokey"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "nokey"}), Int(0));
}

TEST_F(KeysTest, TouchCountsExisting) {
  Put("a", "1");
  EXPECT_EQ(Run({"TOUCH", "a", "a", "nokey"}), Int(2));
}

TEST_F(KeysTest, TypeNamesAndNone) {
  Put("a", "hello");
  EXPECT_EQ(Run({"TYPE", "a"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "nokey"}), "+none\r\n");
  EXPECT_EQ(Run({"TYPE"}), Err("ERR wrong number of arguments for 'type' command"));
}

TEST_F(KeysTest, RenameMovesValueAndTtl) {
  Put("a", "va");
  EXPECT_EQ(Run({"PEXPIRE", "a", "50000"}), Int(1));
  int64_t when = ExpireOf("a");
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(Get("a"), "(nil)");
  EXPECT_EQ(Get("b"), "va");
  EXPECT_EQ(ExpireOf("b"), when);
  EXPECT_EQ(srv().db(0).expires_size(), 1U);
}

TEST_F(KeysTest, RenameOverwritesAndDropsDestinationTtl) {
  Put("a", "va");
  Put("b", "vb");
  EXPECT_EQ(Run({"EXPIRE", "b", "100"}), Int(1));
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(Get("b"), "va");
  EXPECT_EQ(ExpireOf("b"), -1);
  EXPECT_EQ(srv().db(0).expires_size(), 0U);
}

TEST_F(KeysTest, RenameErrorsAndSameKey) {
  EXPECT_EQ(Run({"RENAME", "nokey", "b"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"RENAMENX", "nokey", "b"}), Err("ERR no such key"));
  Put("a", "1");
  EXPECT_EQ(Run({"RENAME", "a", "a"}), kOk);
  EXPECT_EQ(Run({"RENAMENX", "a", "a"}), Int(0));
  EXPECT_EQ(Get("a"), "1");
}

TEST_F(KeysTest, RenameNxRefusesExistingDestination) {
  Put("a", "va");
  Put("b", "vb");
  EXPECT_EQ(Run({"RENAMENX", "a", "b"}), Int(0));
  EXPECT_EQ(Get("b"), "vb");
  EXPECT_EQ(Run({"RENAMENX", "a", "c"}), Int(1));
  EXPECT_EQ(Get("c"), "va");
  EXPECT_EQ(Get("a"), "(nil)");
}

TEST_F(KeysTest, RenameOntoExpiredDestination) {
  Put("a", "va");
  Put("b", "vb");
  EXPECT_EQ(Run({"PEXPIRE", "b", "10"}), Int(1));
  AdvanceClock(20);
  EXPECT_EQ(Run({"RENAMENX", "a", "b"}), Int(1));
  EXPECT_EQ(Get("b"), "va");
}

TEST_F(KeysTest, MoveBetweenDatabases) {
  Put("a", "va");
  EXPECT_EQ(Run({"PEXPIRE", "a", "50000"}), Int(1));
  int64_t when = ExpireOf("a");
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(1));
  EXPECT_EQ(Get("a"), "(nil)");
  EXPECT_EQ(Get("a", 1), "va");
  EXPECT_EQ(ExpireOf("a", 1), when);
  EXPECT_EQ(srv().db(0).expires_size(), 0U);
  EXPECT_EQ(srv().db(1).expires_size(), 1U);
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(0));  // missing in the source now
  Put("b", "x");
  Put("b", "y", 1);
  EXPECT_EQ(Run({"MOVE", "b", "1"}), Int(0));
  EXPECT_EQ(Get("b"), "x");
  EXPECT_EQ(Get("b", 1), "y");
}

TEST_F(KeysTest, MoveErrors) {
  Put("a", "va");
  EXPECT_EQ(Run({"MOVE", "a", "0"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"MOVE", "a", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "-1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "99999999999"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(Get("a"), "va");
}

TEST_F(KeysTest, CopyWithinAndAcrossDatabases) {
  Put("a", "va");
  EXPECT_EQ(Run({"EXPIRE", "a", "100"}), Int(1));
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(1));
  EXPECT_EQ(Get("b"), "va");
  EXPECT_EQ(ExpireOf("b"), ExpireOf("a"));
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(0));
  Put("a", "new");
  EXPECT_EQ(Run({"COPY", "a", "b", "REPLACE"}), Int(1));
  EXPECT_EQ(Get("b"), "new");
  EXPECT_EQ(ExpireOf("b"), -1);
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "3"}), Int(1));
  EXPECT_EQ(Get("a", 3), "new");
  EXPECT_EQ(Run({"COPY", "nokey", "c"}), Int(0));
  // The copy is independent of the source.
  Put("a", "changed");
  EXPECT_EQ(Get("b"), "new");
}

TEST_F(KeysTest, CopyErrors) {
  Put("a", "va");
  EXPECT_EQ(Run({"COPY", "a", "a"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "0"}),
            Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "abc"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "99"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a", "b", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a"}), Err("ERR wrong number of arguments for 'copy' command"));
  EXPECT_EQ(Get("b"), "(nil)");
}

TEST_F(KeysTest, RandomKey) {
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
  Put("only", "1");
  EXPECT_EQ(Run({"RANDOMKEY"}), Bulk("only"));
}

TEST_F(KeysTest, RandomKeySkipsExpiredKeys) {
  for (int i = 0; i < 500; ++i) {
    Put(Cat("exp", i), "v");
    ASSERT_EQ(Run({"PEXPIRE", Cat("exp", i), "10"}), Int(1));
  }
  Put("live", "v");
  AdvanceClock(20);
  EXPECT_EQ(Run({"RANDOMKEY"}), Bulk("live"));
}

TEST_F(KeysTest, DbSize) {
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  Put("a", "1");
  Put("b", "1");
  Put("c", "1", 2);
  EXPECT_EQ(Run({"DBSIZE"}), Int(2));
}

TEST_F(KeysTest, SwapDb) {
  Put("a", "zero");
  Put("b", "one", 1);
  EXPECT_EQ(Run({"SWAPDB", "0", "1"}), kOk);
  EXPECT_EQ(Get("a"), "(nil)");
  EXPECT_EQ(Get("b"), "one");
  EXPECT_EQ(Get("a", 1), "zero");
  EXPECT_EQ(Run({"SWAPDB", "0", "0"}), kOk);
  EXPECT_EQ(Run({"SWAPDB", "abc", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "abc"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "99999999999"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SWAPDB", "-1", "0"}), Err("ERR DB index is out of range"));
}

TEST_F(KeysTest, SwapDbAndFlushSignalEveryKey) {
  std::vector<std::pair<int, std::string>> signals;
  srv().AddKeyModifiedHook(
      [&](int db, std::string_view key) { signals.emplace_back(db, std::string(key)); });
  Put("a", "1");
  Put("b", "1", 1);
  signals.clear();
  EXPECT_EQ(Run({"SWAPDB", "0", "1"}), kOk);
  // Each key is signalled in both databases: it appears in one, leaves the other.
  std::set<std::pair<int, std::string>> got(signals.begin(), signals.end());
  std::set<std::pair<int, std::string>> want = {{0, "a"}, {1, "a"}, {0, "b"}, {1, "b"}};
  EXPECT_EQ(got, want);
  signals.clear();
  EXPECT_EQ(Run({"FLUSHDB"}), kOk);  // db 0 now holds "b"
  ASSERT_EQ(signals.size(), 1U);
  EXPECT_EQ(signals[0], std::make_pair(0, std::string("b")));
  signals.clear();
  EXPECT_EQ(Run({"FLUSHALL"}), kOk);
  ASSERT_EQ(signals.size(), 1U);
  EXPECT_EQ(signals[0], std::make_pair(1, std::string("a")));
}

TEST_F(KeysTest, FlushDbAndFlushAll) {
  Put("a", "1");
  Put("b", "1", 1);
  EXPECT_EQ(Run({"FLUSHDB", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB", "ASYNC", "SYNC"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB", "sync"}), kOk);
  EXPECT_EQ(srv().db(0).size(), 0U);
  EXPECT_EQ(srv().db(1).size(), 1U);
  EXPECT_EQ(Run({"FLUSHALL", "bad"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHALL", "ASYNC"}), kOk);
  EXPECT_EQ(srv().db(1).size(), 0U);
  EXPECT_EQ(Run({"FLUSHDB", "async"}), kOk);
}

TEST_F(KeysTest, KeysGlobAndExpiredFiltered) {
  Put("hello", "1");
  Put("hallo", "1");
  Put("world", "1");
  Put("gone", "1");
  EXPECT_EQ(Run({"PEXPIRE", "gone", "10"}), Int(1));
  AdvanceClock(20);
  EXPECT_EQ(BulkSet(Run({"KEYS", "*"})), (std::set<std::string>{"hello", "hallo", "world"}));
  EXPECT_EQ(BulkSet(Run({"KEYS", "h?llo"})), (std::set<std::string>{"hello", "hallo"}));
  EXPECT_EQ(BulkSet(Run({"KEYS", "h[^e]llo"})), (std::set<std::string>{"hallo"}));
  EXPECT_EQ(Run({"KEYS", "nothing*"}), "*0\r\n");
}

// Parses a SCAN reply: returns the cursor and appends the keys to `keys`.
std::string ParseScan(const std::string& resp, std::vector<std::string>* keys) {
  // *2\r\n$N\r\n<cursor>\r\n*M\r\n($L\r\n<key>\r\n)*
  size_t pos = resp.find("\r\n") + 2;
  size_t eol = resp.find("\r\n", pos);
  size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
  std::string cursor = resp.substr(eol + 2, len);
  pos = eol + 2 + len + 2;
  eol = resp.find("\r\n", pos);
  size_t n = std::stoul(resp.substr(pos + 1, eol - pos - 1));
  pos = eol + 2;
  for (size_t i = 0; i < n; ++i) {
    eol = resp.find("\r\n", pos);
    len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
    keys->push_back(resp.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return cursor;
}

TEST_F(KeysTest, ScanErrors) {
  EXPECT_EQ(Run({"SCAN", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", " 1"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "1.0"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "0x1"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "-"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "18446744073709551616"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "-1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "foo", "1"}), Err("ERR syntax error"));
}

TEST_F(KeysTest, ScanCursorForms) {
  const std::string empty = "*2\r\n" + Bulk("0") + "*0\r\n";
  // strtoull's forms: empty, '+', and a wrapping '-'.
  EXPECT_EQ(Run({"SCAN", ""}), empty);
  EXPECT_EQ(Run({"SCAN", "+5"}), empty);
  EXPECT_EQ(Run({"SCAN", "-1"}), empty);
  EXPECT_EQ(Run({"SCAN", "18446744073709551615"}), empty);
  Put("a", "1");
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n" + Bulk("0") + "*1\r\n" + Bulk("a"));
}

TEST_F(KeysTest, ScanFullIterationMatchTypeAndCount) {
  for (int i = 0; i < 1000; ++i) Put(Cat("user:", i), "v");
  for (int i = 0; i < 100; ++i) Put(Cat("other:", i), "v");
  std::vector<std::string> keys;
  std::string cursor = "0";
  int calls = 0;
  do {
    size_t before = keys.size();
    cursor = ParseScan(Run({"SCAN", cursor, "COUNT", "20"}), &keys);
    EXPECT_LE(keys.size() - before, 60U);  // about COUNT per call
    ++calls;
  } while (cursor != "0" && calls < 10000);
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), 1100U);
  EXPECT_GT(calls, 10);

  keys.clear();
  cursor = "0";
  do {
    cursor = ParseScan(Run({"SCAN", cursor, "MATCH", "other:*", "COUNT", "100"}), &keys);
  } while (cursor != "0");
  unique = std::set<std::string>(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), 100U);
  for (const auto& k : unique) EXPECT_EQ(k.rfind("other:", 0), 0U) << k;

  keys.clear();
  cursor = "0";
  do {
    cursor = ParseScan(Run({"SCAN", cursor, "TYPE", "list", "COUNT", "1000"}), &keys);
  } while (cursor != "0");
  EXPECT_TRUE(keys.empty());
  keys.clear();
  cursor = "0";
  do {
    cursor = ParseScan(Run({"SCAN", cursor, "type", "STRING", "COUNT", "1000"}), &keys);
  } while (cursor != "0");
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 1100U);
}

TEST_F(KeysTest, ScanReturnsKeysPresentThroughoutDespiteResizes) {
  for (int i = 0; i < 500; ++i) Put(Cat("stay:", i), "v");
  std::vector<std::string> keys;
  std::string cursor = "0";
  int calls = 0;
  int added = 0;
  do {
    cursor = ParseScan(Run({"SCAN", cursor}), &keys);
    // Grow the table between calls, then delete the extras so it shrinks.
    if (added < 4000) {
      for (int j = 0; j < 200; ++j) Put(Cat("tmp:", added++), "v");
    } else {
      for (int j = 0; j < 400 && added > 0; ++j) srv().db(0).Delete(Cat("tmp:", --added));
      srv().db(0).ShrinkIfSparse();
      srv().db(0).RehashFor(100);
    }
    ++calls;
  } while (cursor != "0" && calls < 100000);
  std::set<std::string> unique(keys.begin(), keys.end());
  for (int i = 0; i < 500; ++i) EXPECT_EQ(unique.count(Cat("stay:", i)), 1U) << i;
}

TEST_F(KeysTest, ObjectEncodingAndRefcount) {
  Put("n", "100");
  Put("big", "100000");
  Put("s", "hello");
  Put("long", std::string(45, 'x'));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "n"}), Bulk("int"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("embstr"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "long"}), Bulk("raw"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "nokey"}), kNil);
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "n"}), Int(2147483647));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "big"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "s"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "nokey"}), kNil);
}

TEST_F(KeysTest, ObjectIdleTimeAndFreqDependOnPolicy) {
  // The server clock is real time plus the test offset, so a second (or
  // minute) boundary may fall between two commands: allow one unit more.
  auto int_of = [](const std::string& reply) {
    EXPECT_EQ(reply[0], ':') << reply;
    return std::stoll(reply.substr(1));
  };
  Put("k", "v");
  AdvanceClock(5000);
  int64_t idle = int_of(Run({"OBJECT", "IDLETIME", "k"}));
  EXPECT_TRUE(idle == 5 || idle == 6) << idle;
  AdvanceClock(3000);
  idle = int_of(Run({"OBJECT", "IDLETIME", "k"}));  // OBJECT does not touch
  EXPECT_TRUE(idle == 8 || idle == 9) << idle;
  EXPECT_EQ(Run({"TOUCH", "k"}), Int(1));
  EXPECT_LE(int_of(Run({"OBJECT", "IDLETIME", "k"})), 1);
  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}),
            Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU data "
                "will take some time to adjust."));
  EXPECT_EQ(Run({"OBJECT", "FREQ", "nokey"}), kNil);

  Restart("maxmemory-policy allkeys-lfu\n");
  Put("k", "v");
  const int64_t initial = int_of(Run({"OBJECT", "FREQ", "k"}));
  EXPECT_TRUE(initial == 5 || initial == 4) << initial;  // new keys start at 5
  for (int i = 0; i < 2000; ++i) Run({"TOUCH", "k"});
  const int64_t freq = int_of(Run({"OBJECT", "FREQ", "k"}));
  EXPECT_GT(freq, 10);
  EXPECT_LT(freq, 255);  // logarithmic: far fewer than the accesses
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}),
            Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                "that when switching between policies at runtime LRU and LFU data will take some "
                "time to adjust."));
  // The counter decays by one per idle minute.
  AdvanceClock(3 * 60 * 1000);
  const int64_t decayed = int_of(Run({"OBJECT", "FREQ", "k"}));
  EXPECT_TRUE(decayed == freq - 3 || decayed == freq - 4) << freq << " -> " << decayed;

  // lfu-log-factor 0 counts every access; lfu-decay-time 0 never decays.
  EXPECT_EQ(Run({"CONFIG", "SET", "lfu-log-factor", "0", "lfu-decay-time", "0"}), kOk);
  Put("n", "v");
  const int64_t start = int_of(Run({"OBJECT", "FREQ", "n"}));
  for (int i = 0; i < 20; ++i) Run({"TOUCH", "n"});
  EXPECT_EQ(int_of(Run({"OBJECT", "FREQ", "n"})), start + 20);
  AdvanceClock(10 * 60 * 1000);
  EXPECT_EQ(int_of(Run({"OBJECT", "FREQ", "n"})), start + 20);
  // lfu-decay-time 2: one decrement per two idle minutes.
  Run({"TOUCH", "n"});  // restarts the decay clock (and counts one more access)
  EXPECT_EQ(Run({"CONFIG", "SET", "lfu-decay-time", "2"}), kOk);
  AdvanceClock(4 * 60 * 1000);
  const int64_t after = int_of(Run({"OBJECT", "FREQ", "n"}));
  EXPECT_TRUE(after == start + 21 - 2 || after == start + 21 - 3) << after;
}

TEST_F(KeysTest, ObjectHelpAndErrors) {
  std::string help = Run({"OBJECT", "HELP"});
  EXPECT_EQ(
      help.rfind("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", 0), 0U)
      << help;
  EXPECT_NE(help.find("+    Prints this help.\r\n"), std::string::npos);
  EXPECT_EQ(Run({"OBJECT", "foo"}), Err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
  EXPECT_EQ(Run({"OBJECT", "ENCODING"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(Run({"OBJECT", "HELP", "x"}),
            Err("ERR wrong number of arguments for 'object|help' command"));
  EXPECT_EQ(Run({"OBJECT"}), Err("ERR wrong number of arguments for 'object' command"));
}

TEST_F(KeysTest, WrongArity) {
  EXPECT_EQ(Run({"RENAME", "a"}), Err("ERR wrong number of arguments for 'rename' command"));
  EXPECT_EQ(Run({"MOVE", "a"}), Err("ERR wrong number of arguments for 'move' command"));
  EXPECT_EQ(Run({"KEYS"}), Err("ERR wrong number of arguments for 'keys' command"));
  EXPECT_EQ(Run({"SCAN"}), Err("ERR wrong number of arguments for 'scan' command"));
  EXPECT_EQ(Run({"DBSIZE", "x"}), Err("ERR wrong number of arguments for 'dbsize' command"));
  EXPECT_EQ(Run({"SWAPDB", "0"}), Err("ERR wrong number of arguments for 'swapdb' command"));
}

TEST_F(KeysTest, WritesPropagateAsReceived) {
  struct Sink : server::EffectSink {
    std::vector<std::vector<std::string>> got;
    void OnEffects(std::span<const server::Effect> effects) override {
      for (const auto& e : effects) got.push_back(e.args);
    }
  } sink;
  srv().AddEffectSink(&sink);
  Put("a", "1");
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(Run({"DEL", "nokey"}), Int(0));  // nothing changed: not propagated
  EXPECT_EQ(Run({"DEL", "b"}), Int(1));
  EXPECT_EQ(Run({"FLUSHDB"}), kOk);  // propagated even when empty
  ASSERT_EQ(sink.got.size(), 3U);
  EXPECT_EQ(sink.got[0], (std::vector<std::string>{"RENAME", "a", "b"}));
  EXPECT_EQ(sink.got[1], (std::vector<std::string>{"DEL", "b"}));
  EXPECT_EQ(sink.got[2], (std::vector<std::string>{"FLUSHDB"}));
}

}  // namespace
}  // namespace keys_test
}  // namespace baton
