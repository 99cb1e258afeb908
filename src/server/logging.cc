#include "baton/server/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace baton::server {
namespace {

// Redis's level marks. Notice (Baton's default) maps to spdlog's info level,
// verbose to debug and debug to trace.
class LevelMark final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    char mark = '*';
    switch (msg.level) {
      case spdlog::level::trace:
        mark = '.';
        break;
      case spdlog::level::debug:
        mark = '-';
        break;
      case spdlog::level::info:
        mark = '*';
        break;
      default:
        mark = '#';
        break;
    }
    dest.push_back(mark);
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelMark>();
  }
};

spdlog::level::level_enum ToSpdlog(int loglevel) {
  switch (loglevel) {
    case 0:
      return spdlog::level::trace;
    case 1:
      return spdlog::level::debug;
    case 2:
      return spdlog::level::info;
    default:
      return spdlog::level::warn;
  }
}

}  // namespace

std::string SetupLogging(const std::string& logfile, int loglevel) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (logfile.empty()) {
      logger = std::make_shared<spdlog::logger>("baton",
                                                std::make_shared<spdlog::sinks::stdout_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>(
          "baton", std::make_shared<spdlog::sinks::basic_file_sink_mt>(logfile));
    }
  } catch (const spdlog::spdlog_ex& e) {
    return std::string("Can't open the log file: ") + e.what();
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelMark>('*').set_pattern("%P:M %d %b %Y %H:%M:%S.%e %* %v");
  logger->set_formatter(std::move(formatter));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  SetLogLevel(loglevel);
  return "";
}

void SetLogLevel(int loglevel) { spdlog::set_level(ToSpdlog(loglevel)); }

}  // namespace baton::server
