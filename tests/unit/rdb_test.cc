// The RDB format in process: checksums, LZF, golden bytes, round trips of
// every type and encoding through SaveRdb/LoadRdb and DUMP/RESTORE, and a
// reader fuzzed with truncated and corrupted input.
#include "baton/persistence/rdb.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../src/persistence/crc64.h"
#include "../src/persistence/lzf.h"
#include "baton/server/server.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace rdb_test {
namespace {

using persistence::ByteSink;
using persistence::ByteSource;

class StringSink final : public ByteSink {
 public:
  bool Write(const void* data, size_t len) override {
    out.append(static_cast<const char*>(data), len);
    return true;
  }
  std::string out;
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  bool Read(void* data, size_t len) override {
    if (len > data_.size() - pos_) return false;
    std::memcpy(data, data_.data() + pos_, len);
    pos_ += len;
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string Num(std::string_view prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

TEST(Crc64Test, JonesCheckValue) {
  EXPECT_EQ(persistence::Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  // Incremental updates equal one pass.
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const uint64_t whole = persistence::Crc64(0, data.data(), data.size());
  uint64_t parts = persistence::Crc64(0, data.data(), 13);
  parts = persistence::Crc64(parts, data.data() + 13, data.size() - 13);
  EXPECT_EQ(whole, parts);
}

TEST(LzfTest, RoundTripsAndRejectsGarbage) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const size_t len = 1 + rng() % 5000;
    std::string in(len, '\0');
    const int alphabet = 1 + static_cast<int>(rng() % 40);
    for (auto& c : in) c = static_cast<char>('a' + rng() % alphabet);
    // LZF's worst case grows the input by one byte per 32 literals.
    std::string out(len + len / 32 + 64, '\0');
    const size_t n = persistence::LzfCompress(reinterpret_cast<const uint8_t*>(in.data()), len,
                                              reinterpret_cast<uint8_t*>(out.data()), out.size());
    ASSERT_GT(n, 0U);
    std::string back(len, '\0');
    ASSERT_EQ(persistence::LzfDecompress(reinterpret_cast<const uint8_t*>(out.data()), n,
                                         reinterpret_cast<uint8_t*>(back.data()), len),
              len);
    EXPECT_EQ(back, in);
    // Too small an output buffer: 0, never an overflow.
    EXPECT_EQ(persistence::LzfDecompress(reinterpret_cast<const uint8_t*>(out.data()), n,
                                         reinterpret_cast<uint8_t*>(back.data()), len - 1),
              0U);
  }
  // Incompressible data does not fit in fewer bytes.
  std::string noise(100, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  std::string out(96, '\0');
  EXPECT_EQ(persistence::LzfCompress(reinterpret_cast<const uint8_t*>(noise.data()), noise.size(),
                                     reinterpret_cast<uint8_t*>(out.data()), out.size()),
            0U);
  // Random input to the decoder never reads or writes out of bounds.
  std::string sink(300, '\0');
  for (int round = 0; round < 2000; ++round) {
    std::string garbage(rng() % 64, '\0');
    for (auto& c : garbage) c = static_cast<char>(rng());
    persistence::LzfDecompress(reinterpret_cast<const uint8_t*>(garbage.data()), garbage.size(),
                               reinterpret_cast<uint8_t*>(sink.data()), sink.size());
  }
}

class RdbTest : public ServerFixture {
 protected:
  std::string Save() {
    StringSink sink;
    persistence::ReplicationAux aux;
    EXPECT_EQ(persistence::SaveRdb(srv(), aux, sink), "");
    return sink.out;
  }
  persistence::LoadResult Load(std::string_view bytes) {
    StringSource source(bytes);
    return persistence::LoadRdb(srv(), source);
  }
  std::string Encoding(const std::string& key) { return Run({"OBJECT", "ENCODING", key}); }
  // The payload DUMP returns for `key` (without the bulk framing).
  std::string Payload(const std::string& key) {
    const std::string dump = Run({"DUMP", key});
    const size_t start = dump.find("\r\n") + 2;
    return dump.substr(start, dump.size() - start - 2);
  }
  // Saves, restarts with the same configuration and loads the bytes back;
  // checks the dataset's digest did not change.
  std::string SaveAndReload(const std::string& config = "") {
    const std::string digest = Run({"DEBUG", "DIGEST"});
    const std::string bytes = Save();
    Restart(config);
    const persistence::LoadResult r = Load(bytes);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(Run({"DEBUG", "DIGEST"}), digest);
    return bytes;
  }
};

TEST_F(RdbTest, DumpOfAShortStringMatchesRedis) {
  Run({"SET", "k", "v"});
  // redis-server 7.0: DUMP k after SET k v.
  EXPECT_EQ(Run({"DUMP", "k"}), Bulk(Unhex("000176"
                                           "0a00"
                                           "9108ceb219388ace")));
  Run({"SET", "n", "12345"});
  const std::string reply = Run({"DUMP", "n"});
  // 0xc1: a 16-bit integer encoding.
  EXPECT_NE(reply.find(Unhex("00c13930")), std::string::npos);
}

TEST_F(RdbTest, EmptyDatasetLayout) {
  const std::string bytes = Save();
  ASSERT_GE(bytes.size(), 9U + 1 + 8);
  EXPECT_EQ(bytes.substr(0, 9), "REDIS0010");
  EXPECT_EQ(static_cast<uint8_t>(bytes[bytes.size() - 9]), 0xFF);
  const uint64_t crc = persistence::Crc64(0, bytes.data(), bytes.size() - 8);
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  EXPECT_EQ(stored, crc);
  EXPECT_NE(bytes.find("redis-ver"), std::string::npos);
  EXPECT_NE(bytes.find("aof-base"), std::string::npos);
}

TEST_F(RdbTest, StringsRoundTrip) {
  Run({"SET", "int", "12345"});
  Run({"SET", "bigint", "-9223372036854775808"});
  Run({"SET", "short", "hello"});
  Run({"SET", "empty", ""});
  Run({"SET", "long", std::string(1000, 'x') + "tail"});
  std::string binary;
  for (int i = 0; i < 300; ++i) binary.push_back(static_cast<char>(i * 31));
  Run({"SET", "binary", binary});
  Run({"SET", "zero", "0"});
  Run({"SET", "lead0", "007"});
  Run({"SET", "12", "key that looks like an int"});
  SaveAndReload();
  EXPECT_EQ(Run({"GET", "long"}), Bulk(std::string(1000, 'x') + "tail"));
  EXPECT_EQ(Run({"GET", "binary"}), Bulk(binary));
  EXPECT_EQ(Run({"GET", "empty"}), Bulk(""));
  EXPECT_EQ(Run({"GET", "lead0"}), Bulk("007"));
  EXPECT_EQ(Run({"GET", "12"}), Bulk("key that looks like an int"));
  EXPECT_EQ(Encoding("int"), Bulk("int"));
  EXPECT_EQ(Encoding("bigint"), Bulk("int"));
  EXPECT_EQ(Encoding("short"), Bulk("embstr"));
  EXPECT_EQ(Encoding("long"), Bulk("raw"));
}

TEST_F(RdbTest, CompressionIsOptional) {
  Run({"SET", "long", std::string(5000, 'a')});
  const size_t compressed = Save().size();
  Run({"CONFIG", "SET", "rdbcompression", "no"});
  const size_t plain = Save().size();
  EXPECT_LT(compressed + 4000, plain);
  SaveAndReload();
  EXPECT_EQ(Run({"STRLEN", "long"}), Int(5000));
}

TEST_F(RdbTest, ListsRoundTrip) {
  Run({"RPUSH", "small", "a", "1", "-5", "x"});
  std::vector<std::string> big = {"RPUSH", "big"};
  for (int i = 0; i < 5000; ++i)
    big.push_back(i % 3 == 0 ? Num("", int64_t{i} * 1000003) : Num("el", i));
  big.push_back(std::string(20000, 'z'));  // bigger than a node
  Run(big);
  SaveAndReload();
  EXPECT_EQ(Run({"LLEN", "big"}), Int(5001));
  EXPECT_EQ(Run({"LINDEX", "big", "3"}), Bulk("3000009"));
  EXPECT_EQ(Run({"LINDEX", "big", "-1"}), Bulk(std::string(20000, 'z')));
  EXPECT_EQ(Run({"LRANGE", "small", "0", "-1"}),
            "*4\r\n" + Bulk("a") + Bulk("1") + Bulk("-5") + Bulk("x"));
  EXPECT_EQ(Encoding("small"), Bulk("quicklist"));
}

TEST_F(RdbTest, ListNodesFollowTheFill) {
  Restart("list-max-listpack-size 3\n");
  std::vector<std::string> cmd = {"RPUSH", "l"};
  for (int i = 0; i < 100; ++i) cmd.push_back(Num("e", i));
  Run(cmd);
  SaveAndReload("list-max-listpack-size 3\n");
  EXPECT_EQ(Run({"LINDEX", "l", "99"}), Bulk("e99"));
}

TEST_F(RdbTest, HashesRoundTripInBothEncodings) {
  Run({"HSET", "small", "f", "v", "n", "123", "neg", "-70000", "e", ""});
  std::vector<std::string> big = {"HSET", "big"};
  for (int i = 0; i < 1000; ++i) {
    big.push_back(Num("field", i));
    big.push_back(Num("value", i));
  }
  Run(big);
  Run({"HSET", "longvalue", "f", std::string(100, 'v')});
  SaveAndReload();
  EXPECT_EQ(Encoding("small"), Bulk("listpack"));
  EXPECT_EQ(Encoding("big"), Bulk("hashtable"));
  EXPECT_EQ(Encoding("longvalue"), Bulk("hashtable"));
  EXPECT_EQ(Run({"HGET", "small", "neg"}), Bulk("-70000"));
  EXPECT_EQ(Run({"HGET", "big", "field999"}), Bulk("value999"));
  EXPECT_EQ(Run({"HLEN", "big"}), Int(1000));
}

TEST_F(RdbTest, LoadingConvertsToTheLoadersThresholds) {
  std::vector<std::string> cmd = {"HSET", "h"};
  for (int i = 0; i < 20; ++i) {
    cmd.push_back(Num("f", i));
    cmd.push_back("v");
  }
  Run(cmd);
  std::vector<std::string> zadd = {"ZADD", "z"};
  for (int i = 0; i < 20; ++i) {
    zadd.push_back(Num("", i));
    zadd.push_back(Num("m", i));
  }
  Run(zadd);
  std::vector<std::string> sadd = {"SADD", "s"};
  for (int i = 0; i < 20; ++i) sadd.push_back(Num("", i));
  Run(sadd);
  EXPECT_EQ(Encoding("h"), Bulk("listpack"));
  SaveAndReload(
      "hash-max-listpack-entries 10\nzset-max-listpack-entries 10\nset-max-intset-entries 10\n");
  EXPECT_EQ(Encoding("h"), Bulk("hashtable"));
  EXPECT_EQ(Encoding("z"), Bulk("skiplist"));
  EXPECT_EQ(Encoding("s"), Bulk("hashtable"));
}

TEST_F(RdbTest, SetsRoundTripInBothEncodings) {
  Run({"SADD", "i16", "1", "2", "-3"});
  Run({"SADD", "i32", "1", "100000", "-3"});
  Run({"SADD", "i64", "1", "10000000000", "-9223372036854775808"});
  Run({"SADD", "strs", "a", "b", "1"});
  std::vector<std::string> big = {"SADD", "big"};
  for (int i = 0; i < 2000; ++i) big.push_back(Num("", i));
  Run(big);
  SaveAndReload();
  EXPECT_EQ(Encoding("i16"), Bulk("intset"));
  EXPECT_EQ(Encoding("i64"), Bulk("intset"));
  EXPECT_EQ(Encoding("strs"), Bulk("hashtable"));
  EXPECT_EQ(Encoding("big"), Bulk("hashtable"));
  EXPECT_EQ(Run({"SISMEMBER", "i64", "-9223372036854775808"}), Int(1));
  EXPECT_EQ(Run({"SCARD", "big"}), Int(2000));
}

TEST_F(RdbTest, SortedSetsRoundTripInBothEncodings) {
  Run({"ZADD", "small", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "1e300", "e"});
  std::vector<std::string> big = {"ZADD", "big"};
  for (int i = 0; i < 1000; ++i) {
    big.push_back(Num("", i) + ".25");
    big.push_back(Num("member", i));
  }
  Run(big);
  Run({"ZADD", "longmember", "1", std::string(100, 'm')});
  SaveAndReload();
  EXPECT_EQ(Encoding("small"), Bulk("listpack"));
  EXPECT_EQ(Encoding("big"), Bulk("skiplist"));
  EXPECT_EQ(Encoding("longmember"), Bulk("skiplist"));
  EXPECT_EQ(Run({"ZSCORE", "small", "c"}), Bulk("-inf"));
  EXPECT_EQ(Run({"ZSCORE", "big", "member999"}), Bulk("999.25"));
  EXPECT_EQ(Run({"ZRANGE", "big", "0", "0"}), "*1\r\n" + Bulk("member0"));
}

TEST_F(RdbTest, ExpiresAndDatabases) {
  Run({"SET", "forever", "1"});
  Run({"SET", "later", "1", "PX", "1000000"});
  Run({"SELECT", "5"});
  Run({"SET", "in5", "x", "EX", "1000"});
  Run({"SELECT", "0"});
  const std::string digest = Run({"DEBUG", "DIGEST"});
  const std::string pttl = Run({"PEXPIRETIME", "later"});
  const std::string bytes = Save();
  Restart("");
  EXPECT_EQ(Load(bytes).error, "");
  EXPECT_EQ(Run({"PEXPIRETIME", "later"}), pttl);
  EXPECT_EQ(Run({"TTL", "forever"}), Int(-1));
  Run({"SELECT", "5"});
  EXPECT_EQ(Run({"GET", "in5"}), Bulk("x"));
  Run({"SELECT", "0"});
  EXPECT_EQ(Run({"DEBUG", "DIGEST"}), digest);
}

TEST_F(RdbTest, ExpiredKeysAreSkippedOnAMasterAndKeptOnAReplica) {
  Run({"SET", "gone", "1", "PX", "100"});
  Run({"SET", "kept", "1"});
  const std::string bytes = Save();
  Restart("");
  AdvanceClock(1000);
  persistence::LoadResult r = Load(bytes);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.keys_loaded, 1);
  EXPECT_EQ(r.expired_skipped, 1);
  Restart("");
  AdvanceClock(1000);
  srv().role().is_replica = true;
  r = Load(bytes);
  EXPECT_EQ(r.keys_loaded, 2);
  EXPECT_EQ(srv().db(0).size(), 2U);
}

TEST_F(RdbTest, ReplicationAuxRoundTrips) {
  StringSink sink;
  persistence::ReplicationAux aux;
  aux.replid = std::string(40, 'a');
  aux.repl_offset = 123456789012;
  aux.repl_stream_db = 3;
  ASSERT_EQ(persistence::SaveRdb(srv(), aux, sink), "");
  const persistence::LoadResult r = Load(sink.out);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.aux.replid, aux.replid);
  EXPECT_EQ(r.aux.repl_offset, aux.repl_offset);
  EXPECT_EQ(r.aux.repl_stream_db, 3);
}

TEST_F(RdbTest, ChecksumIsVerifiedWhenPresent) {
  Run({"SET", "k", "v"});
  std::string bytes = Save();
  bytes[bytes.size() - 1] ^= 1;
  Restart("");
  EXPECT_NE(Load(bytes).error.find("Wrong RDB checksum"), std::string::npos);
  // A zero checksum (rdbchecksum no) is not checked.
  std::memset(bytes.data() + bytes.size() - 8, 0, 8);
  Restart("");
  EXPECT_EQ(Load(bytes).error, "");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

TEST_F(RdbTest, RejectsOtherFormatsAndVersions) {
  EXPECT_NE(Load("REDIS0011").error.find("Can't handle RDB format version 11"), std::string::npos);
  EXPECT_NE(Load("HELLO0010").error.find("wrong signature"), std::string::npos);
  EXPECT_NE(Load("").error, "");
  // A module value type.
  EXPECT_NE(Load(std::string("REDIS0010\x07\x01k", 12)).error.find("module"), std::string::npos);
}

// Hand-assembled RDB files in older formats (what Redis 2.x-6.x wrote).
TEST_F(RdbTest, ReadsOlderEncodings) {
  // Version 6, no CRC needed to be right (zero): a ziplist list [a, 5, -300],
  // a zipmap hash {f: v}, an intset {1, 2}, a ziplist zset {m: 1.5}, a
  // ziplist hash {k: 7}, a plain ZSET (type 3) with a text score, a
  // seconds expiry in the far future.
  std::string ziplist_list = Unhex(
      "14000000"  // zlbytes 20
      "0f000000"  // zltail 15
      "0300"      // 3 entries
      "000161"    // prevlen 0, "a"
      "03f6"      // prevlen 3, int 5 (0xf1 + 5)
      "02c0d4fe"  // prevlen 2, int16 -300
      "ff");
  std::string zipmap = Unhex(
      "01"
      "01"
      "66"
      "01"
      "00"
      "76"
      "ff");
  std::string intset = Unhex(
      "02000000"
      "02000000"
      "0100"
      "0200");
  std::string ziplist_zset = Unhex(
      "13000000"
      "0d000000"
      "0200"
      "00016d"      // "m"
      "0303312e35"  // "1.5"
      "ff");
  std::string ziplist_hash = Unhex(
      "10000000"
      "0d000000"
      "0200"
      "00016b"  // "k"
      "03f8"    // 7
      "ff");
  auto blob = [](const std::string& b) { return std::string(1, static_cast<char>(b.size())) + b; };
  std::string rdb = "REDIS0006";
  rdb += std::string("\xfe\x00", 2);
  rdb += std::string("\x0a\x01l", 3) + blob(ziplist_list);
  rdb += std::string("\x09\x01h", 3) + blob(zipmap);
  rdb += std::string("\x0b\x01s", 3) + blob(intset);
  rdb += std::string("\x0c\x01z", 3) + blob(ziplist_zset);
  rdb += std::string("\x0d\x02h2", 4) + blob(ziplist_hash);
  rdb += std::string(
      "\x03\x02z2\x01\x01x\x03"
      "2.5",
      11);
  rdb += std::string("\xfd\xff\xff\xff\x7f", 5) + std::string(
                                                      "\x00\x02"
                                                      "ex"
                                                      "\x01"
                                                      "v",
                                                      6);
  rdb += std::string("\xff", 1) + std::string(8, '\0');
  const persistence::LoadResult r = Load(rdb);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.keys_loaded, 7);
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), "*3\r\n" + Bulk("a") + Bulk("5") + Bulk("-300"));
  EXPECT_EQ(Run({"HGET", "h", "f"}), Bulk("v"));
  EXPECT_EQ(Run({"SMEMBERS", "s"}), "*2\r\n" + Bulk("1") + Bulk("2"));
  EXPECT_EQ(Run({"ZSCORE", "z", "m"}), Bulk("1.5"));
  EXPECT_EQ(Run({"HGET", "h2", "k"}), Bulk("7"));
  EXPECT_EQ(Run({"ZSCORE", "z2", "x"}), Bulk("2.5"));
  EXPECT_EQ(Run({"EXPIRETIME", "ex"}), Int(2147483647));
}

TEST_F(RdbTest, DumpRestoreEveryType) {
  Run({"SET", "s", "hello"});
  Run({"RPUSH", "l", "a", "b"});
  Run({"HSET", "h", "f", "v"});
  Run({"SADD", "si", "1", "2"});
  Run({"SADD", "ss", "a", "b"});
  Run({"ZADD", "z", "1", "a"});
  for (const char* key : {"s", "l", "h", "si", "ss", "z"}) {
    const std::string digest = Run({"DEBUG", "DIGEST-VALUE", key});
    const std::string enc = Encoding(key);
    const std::string payload = Payload(key);
    const std::string copy = std::string(key) + "copy";
    EXPECT_EQ(Run({"RESTORE", copy, "0", payload}), kOk);
    EXPECT_EQ(Run({"DEBUG", "DIGEST-VALUE", copy}), digest) << key;
    EXPECT_EQ(Encoding(copy), enc) << key;
    EXPECT_EQ(Run({"RESTORE", copy, "0", payload}), Err("BUSYKEY Target key name already exists."));
    EXPECT_EQ(Run({"RESTORE", copy, "0", payload, "REPLACE"}), kOk);
  }
}

TEST_F(RdbTest, RestoreErrorsAndOptions) {
  Run({"SET", "k", "v"});
  const std::string payload = Payload("k");
  EXPECT_EQ(Run({"DUMP", "missing"}), kNil);
  EXPECT_EQ(Run({"RESTORE", "k2", "-1", payload}), Err("ERR Invalid TTL value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "k2", "x", payload}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", "garbage"}),
            Err("ERR DUMP payload version or checksum are wrong"));
  std::string bad = payload;
  bad[2] ^= 1;
  EXPECT_EQ(Run({"RESTORE", "k2", "0", bad}),
            Err("ERR DUMP payload version or checksum are wrong"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", payload, "IDLETIME", "-1"}),
            Err("ERR Invalid IDLETIME value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", payload, "FREQ", "256"}),
            Err("ERR Invalid FREQ value, must be >= 0 and <= 255"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", payload, "IDLETIME", "1", "FREQ", "2"}),
            Err("ERR syntax error"));
  EXPECT_EQ(Run({"RESTORE", "k2", "0", payload, "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"RESTORE", "k", "0", payload, "bogus"}), Err("ERR syntax error"));
  // A valid CRC over bytes that are not a value.
  std::string body = std::string("\x04\xff", 2) + std::string("\x0a\x00", 2);
  const uint64_t crc = persistence::Crc64(0, body.data(), body.size());
  body.append(reinterpret_cast<const char*>(&crc), 8);
  EXPECT_EQ(Run({"RESTORE", "k3", "0", body}), Err("ERR Bad data format"));

  EXPECT_EQ(Run({"RESTORE", "k2", "100000", payload, "IDLETIME", "1000"}), kOk);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k2"}), Int(1000));
  const std::string ttl = Run({"PTTL", "k2"});
  EXPECT_TRUE(ttl == Int(100000) || ttl == Int(99999)) << ttl;
  EXPECT_EQ(Run({"RESTORE", "k4", "1", payload, "ABSTTL"}), kOk);  // already expired
  EXPECT_EQ(Run({"EXISTS", "k4"}), Int(0));
}

// Every prefix of a valid file, and many single-byte corruptions, fail
// cleanly (or load) without crashing.
TEST_F(RdbTest, FuzzedInputNeverCrashes) {
  Run({"SET", "s", std::string(100, 'a') + "b"});
  Run({"SET", "i", "42"});
  Run({"RPUSH", "l", "a", "b", "100", std::string(70, 'c')});
  Run({"HSET", "h", "f", "v", "g", "1"});
  Run({"SADD", "si", "1", "2", "70000"});
  Run({"SADD", "ss", "x", "y"});
  Run({"ZADD", "z", "1", "a", "2.5", "b"});
  std::vector<std::string> big = {"ZADD", "zb"};
  for (int i = 0; i < 200; ++i) {
    big.push_back(Num("", i));
    big.push_back(Num("m", i));
  }
  Run(big);
  Run({"SET", "e", "x", "EX", "1000"});
  const std::string bytes = Save();
  for (size_t len = 0; len < bytes.size(); ++len) {
    srv().FlushAll();
    EXPECT_NE(Load(std::string_view(bytes).substr(0, len)).error, "") << len;
  }
  std::mt19937 rng(42);
  for (int round = 0; round < 1500; ++round) {
    std::string corrupt = bytes;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      corrupt[rng() % corrupt.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    std::memset(corrupt.data() + corrupt.size() - 8, 0, 8);  // skip the CRC to reach the decoders
    srv().FlushAll();
    Load(corrupt);  // an error or a load; never a crash
  }
  // DUMP payloads too, with the CRC fixed up so the decoder sees the damage.
  // The intact dataset first: the last corrupt load may have left any part.
  srv().FlushAll();
  ASSERT_EQ(Load(bytes).error, "");
  for (const char* key : {"l", "h", "si", "z", "zb", "s"}) {
    const std::string payload = Payload(key);
    ASSERT_GT(payload.size(), 10U) << key;
    for (int round = 0; round < 300; ++round) {
      std::string corrupt = payload;
      corrupt[rng() % (corrupt.size() - 10)] ^= static_cast<char>(1 + rng() % 255);
      const uint64_t crc = persistence::Crc64(0, corrupt.data(), corrupt.size() - 8);
      std::memcpy(corrupt.data() + corrupt.size() - 8, &crc, 8);
      store::Value out;
      persistence::RestorePayload(corrupt, out);
    }
  }
}

// Throughput with a million small keys (run by hand:
// --gtest_also_run_disabled_tests --gtest_filter='*Million*').
TEST_F(RdbTest, DISABLED_MillionKeys) {
  constexpr int kKeys = 1000000;
  store::Database& db = srv().db(0);
  for (int i = 0; i < kKeys; ++i) {
    db.Add(Num("key:", i), store::Value::FromString(Num("value-of-some-length-", i)));
  }
  StringSink sink;
  sink.out.reserve(64 << 20);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(persistence::SaveRdb(srv(), persistence::ReplicationAux{}, sink), "");
  auto t1 = std::chrono::steady_clock::now();
  Restart("");
  auto t2 = std::chrono::steady_clock::now();
  const persistence::LoadResult r = Load(sink.out);
  auto t3 = std::chrono::steady_clock::now();
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.keys_loaded, kKeys);
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("1M keys: %zu bytes, save %lld ms, load %lld ms\n", sink.out.size(),
              static_cast<long long>(ms(t1 - t0)), static_cast<long long>(ms(t3 - t2)));
}

}  // namespace
}  // namespace rdb_test
}  // namespace baton::testing
