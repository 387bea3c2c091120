#pragma once
// The process's log output on stdout: spdlog lines, start-up lines and one access line per request,
// all in one format (text or JSON lines). Lines are formatted with fmt into a buffer owned by the
// calling thread (an uncontended lock, no global mutex per line) and written by one flusher thread
// every few milliseconds; warnings and errors are written at once.
#include <spdlog/common.h>

#include <atomic>
#include <string_view>

namespace cl::app::logging {

enum class Format { Text, Json };

// Replaces spdlog's default logger with one writing here, at `level`. Call once, at start-up.
void init(Format format, spdlog::level::level_enum level);
// Writes everything buffered and stops the flusher; later lines are written synchronously.
void shutdown();

// A start-up line (endpoint, store, loading progress), printed whatever the level.
void say(std::string_view message);

// One answered request. Empty strings are logged as absent ("-" in text, null in JSON).
struct AccessRecord {
  std::string_view request_id;
  std::string_view client;
  std::string_view account;
  std::string_view region;
  std::string_view operation;  // a modeled operation, or "admin:GET /_connect-local/clock"
  unsigned status = 0;
  std::string_view error;  // the AWS error code, empty on success
  double seconds = 0;
};

// On at levels info and below.
inline std::atomic<bool> access_enabled{false};
void access(const AccessRecord& record);

}  // namespace cl::app::logging
