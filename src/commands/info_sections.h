// INFO: one builder per section, each appending "field:value\r\n" lines in
// Redis 7.0's order (Sentinel, redis-cli and client libraries parse them).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace baton::server {
class Server;
}

namespace baton::commands::info {

// Accumulates one section's lines.
class SectionWriter {
 public:
  explicit SectionWriter(std::string* out) : out_(out) {}
  void Field(std::string_view name, std::string_view value);
  void Field(std::string_view name, int64_t value);
  void Field(std::string_view name, uint64_t value);
  void Field(std::string_view name, int value) { Field(name, static_cast<int64_t>(value)); }
  // A value printed with `decimals` digits after the point ("%.2f").
  void Fixed(std::string_view name, double value, int decimals);
  // A raw line (e.g. "slave0:ip=...,port=...").
  void Line(std::string_view line);

 private:
  std::string* out_;
};

// "1.50K", "894.79K", "0B": Redis's human-readable byte counts.
std::string BytesToHuman(uint64_t bytes);

void ServerSection(server::Server& server, SectionWriter& w);
void ClientsSection(server::Server& server, SectionWriter& w);
void MemorySection(server::Server& server, SectionWriter& w);
void PersistenceSection(server::Server& server, SectionWriter& w);
void StatsSection(server::Server& server, SectionWriter& w);
void ReplicationSection(server::Server& server, SectionWriter& w);
void CpuSection(server::Server& server, SectionWriter& w);
void ModulesSection(server::Server& server, SectionWriter& w);
void CommandStatsSection(server::Server& server, SectionWriter& w);
void ErrorStatsSection(server::Server& server, SectionWriter& w);
void LatencyStatsSection(server::Server& server, SectionWriter& w);
void ClusterSection(server::Server& server, SectionWriter& w);
void KeyspaceSection(server::Server& server, SectionWriter& w);

// The whole INFO text for the requested section names (case-insensitive;
// empty: "default"; "all", "everything" and "default" expand; unknown names
// add nothing).
std::string Build(server::Server& server, std::span<const std::string_view> requested);

}  // namespace baton::commands::info
