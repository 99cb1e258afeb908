#include "support/server_fixture.h"

#include "baton/server/logging.h"

namespace baton::testing {

void ServerFixture::SetUp() { Restart(""); }

void ServerFixture::TearDown() {
  client_ = nullptr;
  server_.reset();
}

void ServerFixture::Restart(const std::string& config_text) {
  client_ = nullptr;
  server_.reset();
  config::Config cfg;
  std::string e = cfg.LoadText(config_text, "test");
  ASSERT_EQ(e, "");
  server_ = std::make_unique<server::Server>(std::move(cfg));
  client_ = server_->AddClient(nullptr);
}

std::string ServerFixture::Run(const std::vector<std::string>& args, server::Client* client) {
  server::Client& c = client != nullptr ? *client : *client_;
  std::vector<std::string_view> views(args.begin(), args.end());
  c.output().clear();
  server_->dispatcher().Dispatch(c, views);
  std::string out = c.output();
  c.output().clear();
  return out;
}

server::Client* ServerFixture::NewClient() { return server_->AddClient(nullptr); }

void ServerFixture::AdvanceClock(int64_t ms) { server_->AdvanceClockForTesting(ms); }

}  // namespace baton::testing
