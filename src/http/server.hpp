#pragma once
// The HTTP/1.1 server: keep-alive sessions on Boost.Beast's parser, with limits and timeouts, handing
// each complete request to one Handler. Beast and Asio stay in the .cpp files: parser (framing),
// session (one connection), listener (accepting, connection caps), server (threads, shutdown).
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
  // Targets starting with this prefix may carry bodies up to large_body_bytes ("" for none): the
  // admin API's state snapshots, which only loopback or token-holding clients reach.
  std::string large_body_prefix;
  size_t large_body_bytes = 0;
  size_t body_limit_for(std::string_view target) const {
    return !large_body_prefix.empty() && target.rfind(large_body_prefix, 0) == 0 ? large_body_bytes : max_body_bytes;
  }
  // Chunked framing: every line the parser has to buffer is bounded, and so is the sum.
  size_t max_chunk_line = 4 * 1024;                 // chunk-size line including extensions
  size_t max_trailer_bytes = 16 * 1024;             // whole trailer section
  size_t max_trailer_count = 32;                    // trailer fields
  size_t max_framing_bytes = 64 * 1024;             // all chunk lines and trailers of one request
  std::chrono::milliseconds header_timeout{10000};  // time to receive a complete header block
  std::chrono::milliseconds body_timeout{30000};    // time to receive the body
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive idle between requests (also: a stalled response write)
  std::chrono::milliseconds shutdown_grace{10000};  // max wait for in-flight requests on stop
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4570;  // 0 = pick a free port
  unsigned threads = 2;  // I/O threads, each with its own event loop
  // Open connections. 0 derives the cap from RLIMIT_NOFILE, leaving room for the store's files
  // (default_max_connections()). At the cap the oldest idle keep-alive connection is closed to
  // admit a new one; with none idle the new one gets a 503 and is closed.
  size_t max_connections = 0;
  // Open connections from one client address; 0 = half the cap. Over it, that client's own oldest
  // idle connection makes room, else the new connection gets a 503.
  size_t max_connections_per_client = 0;
  Limits limits;
  // How framing errors, timeouts and overload are answered; empty: plain text.
  ErrorRenderer render_error;
};

// RLIMIT_NOFILE's soft limit less what the rest of the process needs (store files, logs, workers).
size_t default_max_connections();

class Server {
 public:
  // Binds and listens; throws std::runtime_error when that fails.
  Server(ServerConfig config, Handler handler);
  // Stops (if needed) and waits for run() to return; then drops connections still open.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;           // the bound port
  size_t max_connections() const;  // the effective cap
  void run();                      // runs the I/O threads; blocks until stop() completes
  // Graceful: stop accepting, finish in-flight requests (up to Limits::shutdown_grace), close idle
  // keep-alive connections, then run() returns. Thread-safe and idempotent.
  void stop();
  void stop_on_signals();  // SIGINT/SIGTERM call stop()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cl::http
