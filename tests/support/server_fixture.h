// In-process test fixture: a fresh Server (no listeners) and a fake client.
// Run({"SET", "k", "v"}) executes one command through the real gate and
// returns the raw RESP reply bytes, so tests read like
//   EXPECT_EQ(Run({"SET", "k", "v"}), "+OK\r\n");
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "baton/config/config.h"
#include "baton/server/server.h"

namespace baton::testing {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Recreates the server with extra config directives ("hz 100\n...").
  void Restart(const std::string& config_text);
  // Runs one command as the default client (or `client`), returns the reply.
  std::string Run(const std::vector<std::string>& args, server::Client* client = nullptr);
  // A second in-process client (e.g. for WATCH tests).
  server::Client* NewClient();
  // Moves the server's clock (cached time) by `ms`; lookups see the new time.
  void AdvanceClock(int64_t ms);

  server::Server& srv() { return *server_; }
  server::Client& client() { return *client_; }

  // RESP helpers for expectations.
  // Built by appending: GCC 12 reports a false -Wrestrict on `"$" + std::to_string(n)`.
  static std::string Bulk(const std::string& s) {
    std::string out = "$";
    out.append(std::to_string(s.size())).append("\r\n").append(s).append("\r\n");
    return out;
  }
  static std::string Int(int64_t v) {
    std::string out = ":";
    out.append(std::to_string(v)).append("\r\n");
    return out;
  }
  static std::string Err(const std::string& s) { return "-" + s + "\r\n"; }
  static constexpr const char* kOk = "+OK\r\n";
  static constexpr const char* kNil = "$-1\r\n";

 private:
  std::unique_ptr<server::Server> server_;
  server::Client* client_ = nullptr;
};

}  // namespace baton::testing
