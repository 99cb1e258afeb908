// The configuration: one table of parameters read by the config file, the
// command line, CONFIG GET/SET/REWRITE and INFO.
//
// Each parameter has a name (and maybe an alias, e.g. slaveof/replicaof), a
// type, a default, bounds, flags (immutable, protected, sensitive) and a
// typed slot in Settings that the server reads directly. When a value changes
// at run time the parameter's apply hook (installed by the server) runs; if it
// fails, CONFIG SET restores every value it changed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "baton/config/settings.h"

namespace baton::config {

enum class ParamType { kBool, kInt, kMemory, kEnum, kString, kSpecial };

enum ParamFlags : unsigned {
  kParamNone = 0,
  kParamImmutable = 1,    // only from the config file or the command line
  kParamProtected = 2,    // CONFIG SET only when enable-protected-configs allows it
  kParamSensitive = 4,    // value hidden from logs
  kParamMultiArg = 8,     // takes several words in the config file (save, bind...)
  kParamDeprecated = 16,  // accepted but not listed by CONFIG REWRITE when default
};

struct ParamSpec;

// Parses text into the parameter's slot; returns an error message or "".
using SpecialSetter = std::function<std::string(Settings&, const std::vector<std::string>&)>;
using SpecialGetter = std::function<std::string(const Settings&)>;

struct ParamSpec {
  std::string name;
  std::string alias;
  ParamType type = ParamType::kString;
  unsigned flags = kParamNone;
  std::string default_value;
  int64_t min = 0;
  int64_t max = 0;
  std::vector<std::string> enum_names;  // kEnum: index = stored value
  // kEnum: the names in the order Redis lists them in its error message
  // (empty: enum_names' order).
  std::vector<std::string> enum_listing;
  bool Settings::*bool_slot = nullptr;
  int64_t Settings::*int_slot = nullptr;  // kInt, kMemory, kEnum
  std::string Settings::*string_slot = nullptr;
  SpecialSetter special_set;
  SpecialGetter special_get;
};

class Config {
 public:
  Config();

  Settings& settings() { return settings_; }
  [[nodiscard]] const Settings& settings() const { return settings_; }

  // Looks a parameter up by name or alias, case-insensitively.
  [[nodiscard]] const ParamSpec* Find(std::string_view name) const;
  [[nodiscard]] const std::vector<ParamSpec>& params() const { return params_; }

  // Sets one parameter from its words. Returns "" or the reason it failed
  // (Redis's wording, e.g. "argument must be 'yes' or 'no'").
  std::string Set(const ParamSpec& spec, const std::vector<std::string>& words);
  std::string SetFromString(const ParamSpec& spec, std::string_view value);
  // The value as CONFIG GET shows it.
  [[nodiscard]] std::string Get(const ParamSpec& spec) const;

  // Runs after a run-time change; returns "" or an error. Installed by the server.
  void SetApplyHook(std::string_view name, std::function<std::string()> hook);
  std::string Apply(const ParamSpec& spec);

  // Loads a redis.conf-format text. `source` names the file for messages and
  // anchors relative includes. Returns "" or a fatal error report.
  std::string LoadText(std::string_view text, const std::string& source, int depth = 0);
  std::string LoadFile(const std::string& path, int depth = 0);

  // The file the server was started with ("" when none): CONFIG REWRITE target.
  const std::string& config_file() const { return config_file_; }
  void set_config_file(std::string path) { config_file_ = std::move(path); }
  // Rewrites the config file in place, keeping comments and unknown lines.
  // Returns "" or an error message.
  std::string Rewrite();

 private:
  void Register(ParamSpec spec);
  void RegisterAll();

  Settings settings_;
  std::vector<ParamSpec> params_;
  std::map<std::string, size_t> index_;  // lower-case name/alias -> params_ position
  std::map<std::string, std::function<std::string()>> apply_hooks_;
  std::string config_file_;
};

// "1gb" -> 1073741824; "100mb", "5k"... Returns false if not a memory value
// (negative, a sign, spaces or trailing garbage), like Redis's memtoull.
bool ParseMemory(std::string_view text, int64_t* out);
// A strict decimal integer like Redis's string2ll: no sign '+', no leading
// zeros, no spaces.
bool ParseStrictInt(std::string_view text, int64_t* out);
// yes/no (case-insensitive).
bool ParseYesNo(std::string_view text, bool* out);

}  // namespace baton::config
