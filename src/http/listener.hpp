#pragma once
// Internal to the HTTP layer: accepting connections, and the caps that keep a flood of them from
// exhausting descriptors (global and per client address, with idle connections evicted first).
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/basic_socket_acceptor.hpp>

#include "http/session.hpp"

namespace cl::http {

using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;

// Every open connection, counted at accept and released at close, from any thread.
class ConnectionTable {
 public:
  ConnectionTable(size_t max_open, size_t max_per_client);

  struct Decision {
    Session::Admission admission = Session::Admission::Open;
    bool drop = false;                // not even a 503: close the socket right away
    std::shared_ptr<Session> victim;  // to be closed (if still idle) to make room
  };
  // Decides about a new connection from `address`. Under the caps it is admitted; at a cap the
  // oldest idle connection (of that address, at the per-client cap) is chosen to make room; with
  // none idle it is refused.
  Decision admit(const std::string& address);
  void attach(Session* s);  // the session started on its thread: it may be chosen for eviction
  void release(Session* s, Session::Admission admission);

  size_t max_open() const { return max_open_; }
  size_t max_per_client() const { return max_per_client_; }
  size_t open() const;

 private:
  Session* oldest_idle(const std::string* address) const;

  const size_t max_open_;
  const size_t max_per_client_;
  const size_t max_overshoot_;  // admitted beyond the cap while evictions complete
  mutable std::mutex mu_;
  std::vector<Session*> sessions_;  // attached, open sessions
  std::unordered_map<std::string, size_t> per_client_;
  size_t open_ = 0;
  size_t refusing_ = 0;  // sessions writing a 503
};

class Listener {
 public:
  // Binds and listens on the first context's loop; throws std::runtime_error when that fails.
  Listener(const std::string& host, uint16_t port, std::vector<std::shared_ptr<Context>> ctxs,
           std::shared_ptr<ConnectionTable> table);
  uint16_t port() const { return port_; }
  void start();
  void close();  // on the first context's thread

 private:
  [[noreturn]] void listen_failed(const std::string& what, const error_code& ec) const;
  void do_accept();
  void on_accept(const std::shared_ptr<Context>& ctx, Socket socket);

  std::string host_;
  uint16_t requested_port_;
  std::vector<std::shared_ptr<Context>> ctxs_;
  std::shared_ptr<ConnectionTable> table_;
  std::optional<Acceptor> acceptor_;
  std::optional<Timer> retry_;
  std::atomic<bool> closed_{false};
  uint16_t port_ = 0;
  size_t next_ctx_ = 0;  // touched by ctxs_[0]'s thread only
};

}  // namespace cl::http
