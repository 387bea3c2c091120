#pragma once
// The HTTP/1.1 server: keep-alive sessions on Boost.Beast's parser, with limits and timeouts, handing
// each complete request to one Handler. Beast and Asio stay in server.cpp.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/message.hpp"

namespace cl::http {

struct Limits {
  size_t max_request_line = 16 * 1024;  // bytes, method + target + version
  size_t max_header_count = 100;
  size_t max_header_bytes = 64 * 1024;  // whole header block
  size_t max_body_bytes = 1024 * 1024;  // 1 MiB
  std::chrono::milliseconds header_timeout{10000};  // time to receive a complete header block
  std::chrono::milliseconds body_timeout{30000};    // time to receive the body
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive idle between requests (also: a stalled response write)
  std::chrono::milliseconds shutdown_grace{10000};  // max wait for in-flight requests on stop
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4570;  // 0 = pick a free port
  unsigned threads = 2;  // I/O threads, each with its own event loop
  Limits limits;
};

class Server {
 public:
  // Binds and listens; throws std::runtime_error when that fails.
  Server(ServerConfig config, Handler handler);
  // Stops (if needed) and waits for run() to return; then drops connections still open.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;  // the bound port
  void run();             // runs the I/O threads; blocks until stop() completes
  // Graceful: stop accepting, finish in-flight requests (up to Limits::shutdown_grace), close idle
  // keep-alive connections, then run() returns. Thread-safe and idempotent.
  void stop();
  void stop_on_signals();  // SIGINT/SIGTERM call stop()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// RFC 1123 date, e.g. "Thu, 26 Nov 2026 16:01:08 GMT".
std::string http_date(int64_t unix_seconds);

}  // namespace cl::http
