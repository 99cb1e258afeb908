// Log setup: spdlog to stdout (logfile "") or to a file, in Redis's line
// format so operators can grep it the same way:
//   12345:M 23 Nov 2026 17:47:54.123 * Ready to accept connections tcp
// Level marks: '.' debug, '-' verbose (info), '*' notice, '#' warning.
#pragma once

#include <string>

namespace baton::server {

// loglevel: 0 debug, 1 verbose, 2 notice, 3 warning (config index).
// Returns "" or why the log file could not be opened.
std::string SetupLogging(const std::string& logfile, int loglevel);
void SetLogLevel(int loglevel);

}  // namespace baton::server
