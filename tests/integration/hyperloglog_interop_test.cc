// HyperLogLog interoperability: the same PFADD/PFCOUNT/PFMERGE sequence on
// Debian's redis-server and on baton must leave byte-identical strings, and a
// sketch made by one must be usable by the other (they travel through RDB and
// replication as plain strings). SORT replies are compared the same way.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace hyperloglog_interop_test {
namespace {

std::string Named(std::string_view prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// A comparable rendering of a reply: type and content.
std::string Render(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  std::string out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out = Named("t", r->type);
      out.append(":").append(r->str, r->len);
      return out;
    case REDIS_REPLY_INTEGER:
      return Named("i:", r->integer);
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_ARRAY:
      out = Named("a", static_cast<int64_t>(r->elements));
      out.append("[");
      for (size_t i = 0; i < r->elements; ++i) out.append(Render(r->element[i])).append(",");
      out.append("]");
      return out;
    default:
      return Named("type", r->type);
  }
}

class HyperLogLogInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveProgram("redis-server")) GTEST_SKIP() << "redis-server not installed";
    redis_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, "/usr/bin/redis-server");
    ASSERT_TRUE(baton_.Start());
    ASSERT_TRUE(redis_->Start()) << redis_->ReadLog();
    b_ = baton_.Connect();
    r_ = redis_->Connect();
    ASSERT_TRUE(b_ && r_);
  }

  // Runs a command on both servers and expects identical replies.
  std::string Both(const std::vector<std::string>& args) {
    Reply from_baton = Command(b_.get(), args);
    Reply from_redis = Command(r_.get(), args);
    const std::string expected = Render(from_redis.get());
    EXPECT_EQ(Render(from_baton.get()), expected)
        << args[0] << " " << (args.size() > 1 ? args[1] : "");
    return expected;
  }

  ServerProcess baton_;
  std::unique_ptr<ServerProcess> redis_;
  Connection b_;
  Connection r_;
};

TEST_F(HyperLogLogInteropTest, SameBytesAsRedis) {
  uint64_t seed = 12345;
  auto next = [&seed]() {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  for (const char* max_bytes : {"3000", "200", "0"}) {
    Both({"CONFIG", "SET", "hll-sparse-max-bytes", max_bytes});
    for (int n : {0, 1, 5, 60, 400, 3000}) {
      std::string key = Named("h", n);
      key.append("_").append(max_bytes);
      int added = 0;
      do {
        std::vector<std::string> args = {"PFADD", key};
        const int step = 1 + static_cast<int>(next() % 40);
        for (int i = 0; i < step && added < n; ++i, ++added) {
          args.push_back(Named("el", static_cast<int64_t>(next() % 100000)));
        }
        Both(args);
        if (next() % 4 == 0) Both({"PFCOUNT", key});
      } while (added < n);
      Both({"GET", key});
      Both({"PFCOUNT", key});
      Both({"GET", key});
    }
    std::string dest = "merged_";
    dest.append(max_bytes);
    std::string sparse_src = "h60_";
    sparse_src.append(max_bytes);
    std::string big_src = "h3000_";
    big_src.append(max_bytes);
    Both({"PFMERGE", dest, sparse_src});
    Both({"GET", dest});
    Both({"PFMERGE", dest, big_src, "nokey"});
    Both({"GET", dest});
    Both({"PFCOUNT", dest, sparse_src, big_src});
    Both({"PFCOUNT", dest});
    Both({"GET", dest});
  }
}

TEST_F(HyperLogLogInteropTest, SketchesCrossBetweenServers) {
  std::vector<std::string> args = {"PFADD", "k"};
  for (int i = 0; i < 500; ++i) args.push_back(Named("x", i));
  Reply made = Command(r_.get(), args);
  Reply bytes = Command(r_.get(), {"GET", "k"});
  ASSERT_EQ(bytes->type, REDIS_REPLY_STRING);
  const std::string sketch(bytes->str, bytes->len);
  // A sketch made by Redis, loaded into baton, counts and grows the same way.
  Command(b_.get(), {"SET", "k", sketch});
  Both({"PFCOUNT", "k"});
  Both({"PFADD", "k", "y1", "y2", "y3"});
  Both({"GET", "k"});
  Both({"PFDEBUG", "ENCODING", "k"});
  Both({"PFDEBUG", "DECODE", "k"});
  Both({"PFDEBUG", "TODENSE", "k"});
  Both({"GET", "k"});
  // Broken values are refused alike.
  Both({"SET", "bad", sketch.substr(0, sketch.size() - 1)});
  Both({"PFCOUNT", "bad"});
  Both({"PFADD", "bad", "zz"});
  Both({"SET", "notahll", "hello"});
  Both({"PFADD", "notahll", "a"});
  Both({"PFMERGE", "d", "notahll"});
  Both({"PING"});
}

TEST_F(HyperLogLogInteropTest, SortRepliesMatchRedis) {
  Both({"RPUSH", "l", "5", "3", "-2", "3.5", "10", "1e2", "x7"});
  Both({"SADD", "s", "a", "c", "b", "10", "2"});
  Both({"SADD", "si", "5", "1", "3"});
  Both({"MSET", "w_5", "1", "w_3", "2", "w_-2", "9", "w_a", "3", "o_5", "five", "o_3", "three"});
  Both({"HSET", "h_5", "f", "z"});
  Both({"HSET", "h_3", "f", "y"});
  const std::vector<std::vector<std::string>> cases = {
      {"SORT", "l"},
      {"SORT", "l", "ALPHA"},
      {"SORT", "l", "ALPHA", "DESC", "LIMIT", "1", "3"},
      {"SORT", "l", "BY", "nosort"},
      {"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "2", "10"},
      {"SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*", "GET", "h_*->f"},
      // (Ties, e.g. missing ALPHA weights, have no defined order in Redis.)
      {"SORT", "l", "BY", "w_*", "LIMIT", "1", "3", "GET", "h_*->f", "GET", "#"},
      {"SORT", "si", "BY", "h_*->f", "ALPHA", "DESC"},
      {"SORT", "s", "ALPHA"},
      {"SORT", "s"},
      {"SORT", "si"},
      {"SORT", "si", "DESC"},
      {"SORT", "s", "BY", "nosort", "STORE", "d1"},
      {"LRANGE", "d1", "0", "-1"},
      {"SORT", "l", "ALPHA", "GET", "o_*", "STORE", "d2"},
      {"LRANGE", "d2", "0", "-1"},
      {"SORT", "l", "LIMIT", "0", "0", "STORE", "d2"},
      {"EXISTS", "d2"},
      {"SORT_RO", "l", "STORE", "x"},
      {"SORT", "l", "LIMIT", "x", "1"},
      {"SORT", "w_5"},
      {"SORT", "missing"},
      {"COMMAND", "GETKEYS", "SORT", "l", "STORE", "a", "GET", "STORE"},
  };
  for (const auto& c : cases) Both(c);
}

}  // namespace
}  // namespace hyperloglog_interop_test
}  // namespace baton::testing
