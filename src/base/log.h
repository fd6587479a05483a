// Minimal leveled logging to stderr. The level comes from EDGELLM_LOG (error, warn, info, debug)
// and defaults to warn, so that a command's stdout stays clean for its real output.
// Thread-safe: each message is written with one call.
#pragma once

namespace edgellm {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

LogLevel log_level();
void set_log_level(LogLevel level);
void log_message(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace edgellm

#define EDGELLM_LOG_ERROR(...) ::edgellm::log_message(::edgellm::LogLevel::kError, __VA_ARGS__)
#define EDGELLM_LOG_WARN(...) ::edgellm::log_message(::edgellm::LogLevel::kWarn, __VA_ARGS__)
#define EDGELLM_LOG_INFO(...) ::edgellm::log_message(::edgellm::LogLevel::kInfo, __VA_ARGS__)
#define EDGELLM_LOG_DEBUG(...) ::edgellm::log_message(::edgellm::LogLevel::kDebug, __VA_ARGS__)
