#pragma once
// Internal to the HTTP layer: the per-thread event loops and one keep-alive connection each.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "http/message.hpp"
#include "http/parser.hpp"
#include "http/server.hpp"

namespace cl::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
// Concrete executor types: no type-erased any_io_executor on the hot path.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Timer = asio::basic_waitable_timer<SteadyClock, asio::wait_traits<SteadyClock>, Executor>;

class ConnectionTable;
class Session;

// What every I/O thread shares, read-only after start.
struct Shared {
  Handler handler;
  Limits limits;
  ErrorRenderer render_error;
  std::shared_ptr<ConnectionTable> connections;
  Response error(unsigned status, const char* code, std::string_view message) const;
};

// One event loop, run by one thread. Sessions never leave their context, so a session's state is
// only touched by that thread: no strands, no locks. Responders from other threads post here.
struct Context {
  explicit Context(std::shared_ptr<const Shared> s)
      : ioc(1), guard(std::in_place, ioc.get_executor()), grace(ioc.get_executor()), shared(std::move(s)) {}

  asio::io_context ioc;
  std::optional<asio::executor_work_guard<Executor>> guard;  // keeps run() alive until shutdown
  Timer grace;
  std::shared_ptr<const Shared> shared;
  std::atomic<bool> dead{false};  // the Server is gone: late responses are dropped
  bool stopping = false;
  std::vector<std::shared_ptr<Session>> sessions;  // open connections (declared last: destroyed first)

  void add(std::shared_ptr<Session> s);
  void remove(Session* s);
  void begin_shutdown(std::chrono::milliseconds grace_period);
  void force_close_all();
  void finish();
};

class Session final : public std::enable_shared_from_this<Session> {
 public:
  // How the connection was admitted (see ConnectionTable): counted as an open connection, or as a
  // refusal that only answers 503 and closes.
  enum class Admission : uint8_t { Open, Refused };

  Session(std::shared_ptr<Context> ctx, Socket socket, std::string remote, Admission admission);
  ~Session();

  size_t index = 0;        // slot in Context::sessions
  size_t table_index = 0;  // slot in ConnectionTable (guarded by its mutex)

  void start();
  void on_server_stop();
  // Closes the connection if it is idle (no request bytes, no response pending); runs on its thread.
  void evict_if_idle();
  void close();

  Context& context() { return *ctx_; }
  const std::string& remote() const { return remote_; }
  // Steady-clock nanoseconds since the connection became idle; 0 while busy. Read by the acceptor.
  int64_t idle_since() const { return idle_since_.load(std::memory_order_relaxed); }
  std::atomic<bool> eviction_pending{false};  // guarded by ConnectionTable's mutex

 private:
  enum class Phase : uint8_t { Idle, Header, Body, Handling, Writing, Linger };

  void begin_request();
  void process();
  void read_more();
  void on_read(const error_code& ec, size_t n);
  void send_continue();
  void on_timed_out();
  void fail(unsigned status, const char* code, std::string_view message);
  void dispatch_request();
  Responder make_responder();
  void deliver(uint64_t seq, Response&& r);
  void write_response(Response&& r);
  void on_write(const error_code& ec);
  void start_linger();
  void linger_read();
  void set_deadline(SteadyClock::time_point tp);
  void arm(SteadyClock::time_point tp);
  void on_timer(uint64_t gen);
  void set_idle(bool idle);
  void release_slot();

  std::shared_ptr<Context> ctx_;
  const Limits& limits_;
  Socket socket_;
  Timer timer_;
  boost::beast::flat_buffer buffer_;
  RequestReader reader_;
  Request req_;
  std::string remote_;
  std::string head_;  // serialized response head
  std::string body_;  // response body while it is written
  std::atomic<int64_t> idle_since_{0};

  Phase phase_ = Phase::Idle;
  Admission admission_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  SteadyClock::time_point armed_at_{};
  uint64_t timer_gen_ = 0;
  uint64_t seq_ = 0;  // request number; a response for another number is ignored
  size_t lingered_ = 0;
  size_t linger_budget_ = 0;  // bytes drained at most after an error response
  bool timer_armed_ = false;
  bool awaiting_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool is_head_ = false;
  bool linger_ = false;
  bool timed_out_ = false;
  bool stop_requested_ = false;
  bool closed_ = false;
  bool slot_held_ = true;  // counted in the ConnectionTable until release_slot()
};

}  // namespace cl::http
