// baton-server [config-file] [--directive value ...]
//
// Like redis-server: an optional config file (or "-" for standard input),
// then any config directive as --name value..., applied after the file.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "baton/config/config.h"
#include "baton/persistence/snapshot.h"
#include "baton/server/logging.h"
#include "baton/server/server.h"
#include "baton/server/version.h"

#ifndef BATON_ALLOCATOR_NAME
#define BATON_ALLOCATOR_NAME "libc"
#endif

namespace {

// Quotes one word for a config line so the config parser reads it back as is.
std::string QuoteWord(const std::string& w) {
  std::string out = "\"";
  for (char c : w) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Turns ["--port", "6380", "--save", ""] into "port \"6380\"\nsave \"\"\n".
std::string DirectivesToConfig(const std::vector<std::string>& args, std::string* error) {
  std::string text;
  bool open = false;
  for (const std::string& a : args) {
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      if (open) text += "\n";
      text += a.substr(2);
      open = true;
    } else {
      if (!open) {
        *error = "Invalid argument '" + a + "': directives must start with --";
        return "";
      }
      text += " " + QuoteWord(a);
    }
  }
  if (open) text += "\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that closed its socket must cost one connection, not the process:
  // writes then fail with EPIPE instead of raising SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Baton: a Redis-compatible key-value server with seamless switchover",
               "baton-server"};
  app.footer(
      "Usage: baton-server [/path/to/baton.conf] [--directive value ...]\n"
      "       baton-server - (read config from stdin)\n"
      "Examples:\n"
      "       baton-server conf/baton.conf\n"
      "       baton-server --port 7777 --save \"\"\n"
      "       baton-server conf/baton.conf --loglevel verbose");
  bool show_version = false;
  app.add_flag("-v,--version", show_version, "Print the version and exit");
  app.allow_extras();
  app.prefix_command(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (show_version) {
    std::printf("Baton server v=%s redis_compat=%s malloc=%s bits=%zu\n",
                baton::server::kBatonVersion, baton::server::kRedisCompatVersion,
                BATON_ALLOCATOR_NAME, sizeof(void*) * 8);
    return 0;
  }

  std::vector<std::string> extras = app.remaining();
  std::string config_file;
  if (!extras.empty() && (extras[0] == "-" || extras[0].rfind("--", 0) != 0)) {
    config_file = extras[0];
    extras.erase(extras.begin());
  }
  baton::config::Config config;
  if (config_file == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::string e = config.LoadText(text, "stdin"); !e.empty()) {
      std::fprintf(stderr, "%s\n", e.c_str());
      return 1;
    }
  } else if (!config_file.empty()) {
    char resolved[4096];
    std::string absolute = realpath(config_file.c_str(), resolved) ? resolved : config_file;
    if (std::string e = config.LoadFile(absolute); !e.empty()) {
      std::fprintf(stderr, "%s\n", e.c_str());
      return 1;
    }
    config.set_config_file(absolute);
  }
  std::string error;
  std::string directives = DirectivesToConfig(extras, &error);
  if (!error.empty()) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (std::string e = config.LoadText(directives, "command line"); !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }

  const auto& s = config.settings();
  if (std::string e = baton::server::SetupLogging(s.logfile, static_cast<int>(s.loglevel));
      !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  if (!s.dir.empty() && s.dir != "." && chdir(s.dir.c_str()) != 0) {
    spdlog::warn("Can't chdir to '{}': {}", s.dir, std::strerror(errno));
    return 1;
  }
  spdlog::info("Baton is starting");
  spdlog::info("Baton version={}, redis_compat={}, bits={}, pid={}, just started",
               baton::server::kBatonVersion, baton::server::kRedisCompatVersion, sizeof(void*) * 8,
               getpid());
  if (config_file.empty()) {
    spdlog::warn(
        "Warning: no config file specified, using the default config. In order to "
        "specify a config file use baton-server /path/to/baton.conf");
  } else {
    spdlog::info("Configuration loaded from {}", config.config_file());
  }

  baton::server::Server server(std::move(config));
  server.allocator_name = BATON_ALLOCATOR_NAME;
  server.executable = argv[0];
  // Load the dataset before listening; a bad file stops the start-up.
  if (std::string e = baton::persistence::Persistence::Of(server).LoadAtStartup(); !e.empty()) {
    spdlog::warn("{}", e);
    return 1;
  }
  if (std::string e = server.Start(); !e.empty()) {
    spdlog::warn("{}", e);
    return 1;
  }
  if (server.settings().port != 0) {
    spdlog::info("Ready to accept connections tcp on port {}", server.BoundPort());
  }
  if (!server.settings().unixsocket.empty()) {
    spdlog::info("Ready to accept connections unix on {}", server.settings().unixsocket);
  }
  int rc = server.Run();
  spdlog::info("Baton exited");
  return rc;
}
