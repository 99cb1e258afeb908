// Debian's redis-sentinel (three of them) watching a baton master and two
// baton replicas: when the master dies they elect a leader, promote a replica
// (SLAVEOF NO ONE inside MULTI, CONFIG REWRITE, CLIENT KILL), and point the
// other replica at it. Sentinels are started here (they need a config file)
// on random ports, and stopped by pid.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/server_process.h"

namespace baton::testing {
namespace sentinel_test {
namespace {

// One redis-sentinel process with its own config file.
class Sentinel {
 public:
  Sentinel(const std::string& dir, int master_port) : dir_(dir), master_port_(master_port) {}
  ~Sentinel() { Stop(); }
  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;

  bool Start() {
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 20; ++attempt) {
      port_ = 20000 + static_cast<int>(rng() % 30000);
      const std::string conf = dir_ + "/sentinel-" + std::to_string(port_) + ".conf";
      log_ = conf + ".log";
      {
        std::ofstream f(conf);
        f << "port " << port_ << "\nbind 127.0.0.1\ndir " << dir_ << "\nlogfile " << conf
          << ".log\nsentinel monitor mymaster 127.0.0.1 " << master_port_
          << " 2\nsentinel down-after-milliseconds mymaster 1000\n"
             "sentinel failover-timeout mymaster 10000\nsentinel parallel-syncs mymaster 1\n";
      }
      pid_ = fork();
      if (pid_ == 0) {
        execl("/usr/bin/redis-sentinel", "redis-sentinel", conf.c_str(), nullptr);
        _exit(127);
      }
      bool up = WaitFor([&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;
        }
        Connection c(redisConnect("127.0.0.1", port_));
        if (!c || c->err) return false;
        Reply r = testing::Command(c.get(), {"PING"});
        return r != nullptr && r->type == REDIS_REPLY_STATUS;
      });
      if (up && pid_ > 0) return true;
    }
    return false;
  }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; });
    pid_ = -1;
  }
  // SENTINEL get-master-addr-by-name mymaster -> "host:port".
  std::string MasterAddr() const {
    Connection c(redisConnect("127.0.0.1", port_));
    if (!c || c->err) return "";
    Reply r = testing::Command(c.get(), {"SENTINEL", "get-master-addr-by-name", "mymaster"});
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return "";
    return std::string(r->element[0]->str) + ":" + r->element[1]->str;
  }
  // Whether its log shows TILT mode (its timer ran over 2 s late).
  bool EnteredTilt() const {
    std::ifstream log(log_);
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    return text.find("+tilt") != std::string::npos;
  }
  int64_t KnownReplicas() const {
    Connection c(redisConnect("127.0.0.1", port_));
    if (!c || c->err) return -1;
    Reply r = testing::Command(c.get(), {"SENTINEL", "replicas", "mymaster"});
    return r != nullptr && r->type == REDIS_REPLY_ARRAY ? static_cast<int64_t>(r->elements) : -1;
  }

 private:
  std::string dir_;
  int master_port_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string log_;
};

TEST(SentinelTest, AutomaticFailoverOfABatonMaster) {
  if (!HaveProgram("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  const std::vector<std::string> args = {"--repl-diskless-sync-delay", "0"};
  ServerProcess master(args);
  ServerProcess r1(args);
  ServerProcess r2(args);
  ASSERT_TRUE(master.Start());
  ASSERT_TRUE(r1.Start());
  ASSERT_TRUE(r2.Start());
  const std::string mport = std::to_string(master.port());
  for (ServerProcess* r : {&r1, &r2}) {
    r->Command({"REPLICAOF", "127.0.0.1", mport});
    ASSERT_TRUE(WaitFor([&] { return InfoField(*r, "master_link_status") == "up"; }));
  }
  master.Command({"SET", "before", "failover"});
  std::vector<std::unique_ptr<Sentinel>> sentinels;
  for (int i = 0; i < 3; ++i) {
    sentinels.push_back(std::make_unique<Sentinel>(master.dir(), master.port()));
    ASSERT_TRUE(sentinels.back()->Start());
  }
  // The sentinels discover the replicas through INFO.
  ASSERT_TRUE(WaitFor([&] {
    for (auto& s : sentinels) {
      if (s->KnownReplicas() != 2) return false;
    }
    return true;
  }));
  master.Kill();
  const std::string old_addr = "127.0.0.1:" + mport;
  const bool failed_over = WaitFor(
      [&] {
        const std::string a = sentinels[0]->MasterAddr();
        return !a.empty() && a != old_addr;
      },
      std::chrono::seconds(60));
  if (!failed_over && std::any_of(sentinels.begin(), sentinels.end(),
                                  [](const auto& s) { return s->EnteredTilt(); })) {
    // Sentinel stops acting for 30 s whenever its own timer ran 2 s late
    // (the host stalled the whole machine): nothing Baton can answer.
    GTEST_SKIP() << "the sentinels kept entering TILT mode (host stalls over 2 s)";
  }
  ASSERT_TRUE(failed_over);
  const std::string addr = sentinels[0]->MasterAddr();
  ServerProcess& promoted = addr == "127.0.0.1:" + std::to_string(r1.port()) ? r1 : r2;
  ServerProcess& other = &promoted == &r1 ? r2 : r1;
  EXPECT_EQ(InfoField(promoted, "role"), "master");
  ASSERT_TRUE(WaitFor(
      [&] {
        return InfoField(other, "master_port") == std::to_string(promoted.port()) &&
               InfoField(other, "master_link_status") == "up";
      },
      std::chrono::seconds(20)));
  Reply w = promoted.Command({"SET", "after", "failover"});
  ASSERT_TRUE(w != nullptr && w->type == REDIS_REPLY_STATUS);
  ASSERT_TRUE(WaitFor([&] {
    Reply r = other.Command({"GET", "after"});
    return r && r->type == REDIS_REPLY_STRING;
  }));
  Reply before = other.Command({"GET", "before"});
  ASSERT_TRUE(before && before->type == REDIS_REPLY_STRING);
}

}  // namespace
}  // namespace sentinel_test
}  // namespace baton::testing
