// Shared bits of the string and bitmap unit tests: an effect recorder, a
// stand-in non-string value for WRONGTYPE checks, and RESP builders.
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "baton/server/server.h"
#include "baton/store/value.h"
#include "support/server_fixture.h"

namespace baton::testing {

// Records every propagated effect (replication / AOF stream).
class RecordingSink : public server::EffectSink {
 public:
  void OnEffects(std::span<const server::Effect> effects) override {
    for (const auto& e : effects) log.push_back(e.args);
  }
  std::vector<std::vector<std::string>> log;
};

// A value of another type, so tests need no list implementation.
class FakeList : public store::Aggregate {
 public:
  [[nodiscard]] store::ValueType type() const override { return store::ValueType::kList; }
  [[nodiscard]] std::string_view encoding() const override { return "listpack"; }
  [[nodiscard]] std::unique_ptr<store::Aggregate> Clone() const override {
    return std::make_unique<FakeList>();
  }
  [[nodiscard]] size_t MemoryUsage() const override { return 0; }
};

class StringFixture : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    srv().AddEffectSink(&sink_);
  }
  void RestartWith(const std::string& config) {
    Restart(config);
    srv().AddEffectSink(&sink_);
  }
  void AddList(const std::string& key) {
    srv().db(0).Add(key, store::Value::FromAggregate(std::make_unique<FakeList>()));
  }
  std::string Encoding(const std::string& key) {
    store::KeyEntry* e = srv().db(0).Lookup(key);
    return e == nullptr ? "(missing)" : std::string(e->value.EncodingName());
  }
  int64_t ExpireOf(const std::string& key) {
    store::KeyEntry* e = srv().db(0).Lookup(key);
    return e == nullptr ? -3 : srv().db(0).GetExpire(e);
  }
  std::vector<std::vector<std::string>> TakeEffects() {
    auto out = std::move(sink_.log);
    sink_.log.clear();
    return out;
  }
  static std::string Arr(std::initializer_list<std::string> items) {
    std::string out = "*";  // appended: GCC 12 false -Wrestrict on "*" + std::to_string(n)
    out.append(std::to_string(items.size())).append("\r\n");
    for (const auto& s : items) out += s;
    return out;
  }
  static constexpr const char* kWrongType =
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  static constexpr const char* kSyntax = "-ERR syntax error\r\n";
  static constexpr const char* kNotInt = "-ERR value is not an integer or out of range\r\n";

  RecordingSink sink_;
};

}  // namespace baton::testing
