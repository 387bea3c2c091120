#include "http/session.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

#include "common/aws_error.hpp"
#include "common/ids.hpp"
#include "common/time_format.hpp"
#include "http/listener.hpp"

namespace cl::http {

namespace {

namespace bhttp = boost::beast::http;

// After an error response the connection is closed; until then unread request bytes are drained so
// the close does not turn into a reset that destroys the response in flight.
constexpr std::chrono::milliseconds kMaxLinger{2000};
// A client told its body is too large may still be sending it; after broken framing there is no
// body to wait for, so little is drained (a client streaming garbage costs little to cut off).
constexpr size_t kMaxLingerBytes = 8 * 1024 * 1024;
constexpr size_t kMaxLingerBytesAfterBadFraming = 256 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kBodyReadChunk = 64 * 1024;

// Per I/O thread: the formatted Date changes once a second, so format it once a second.
std::string_view current_date() {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local char cached[kHttpDateLength];
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  if (now != cached_second) {
    format_http_date(now, cached);
    cached_second = now;
  }
  return {cached, kHttpDateLength};
}

void append_uint(std::string& s, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

std::string_view reason_phrase(unsigned status) {
  switch (status) {  // the common ones without a lookup
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    default: break;
  }
  auto r = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  if (r.empty() || r.front() == '<') return "Unknown";
  return {r.data(), r.size()};
}

enum class HeaderKind { Plain, Skip, Connection, RequestId };

// The server owns framing headers; a handler's own copies of them are dropped.
HeaderKind classify(std::string_view name) {
  switch (name.size()) {
    case 4: return iequals(name, "Date") ? HeaderKind::Skip : HeaderKind::Plain;
    case 10: return iequals(name, "Connection") ? HeaderKind::Connection : HeaderKind::Plain;
    case 14: return iequals(name, "Content-Length") ? HeaderKind::Skip : HeaderKind::Plain;
    case 16: return iequals(name, "x-amzn-RequestId") ? HeaderKind::RequestId : HeaderKind::Plain;
    case 17: return iequals(name, "Transfer-Encoding") ? HeaderKind::Skip : HeaderKind::Plain;
    default: return HeaderKind::Plain;
  }
}

// No response splitting through handler-supplied header names or values.
bool header_safe(const Header& h) {
  if (h.name.empty()) return false;
  for (char c : h.name)
    if (c == '\r' || c == '\n' || c == ':' || c == ' ' || c == '\0') return false;
  for (char c : h.value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

}  // namespace

Response Shared::error(unsigned status, const char* code, std::string_view message) const {
  if (render_error) {
    try {
      return render_error(status, code, message);
    } catch (...) {
      // Fall through to the plain form: an error answer must not fail.
    }
  }
  Response r;
  r.status = status;
  r.set_header("Content-Type", "text/plain; charset=utf-8");
  r.body.assign(message);
  r.body.push_back('\n');
  return r;
}

// ---- Context ------------------------------------------------------------------------------------

void Context::add(std::shared_ptr<Session> s) {
  s->index = sessions.size();
  sessions.push_back(std::move(s));
}

void Context::remove(Session* s) {
  const size_t i = s->index;
  if (i >= sessions.size() || sessions[i].get() != s) return;
  if (i + 1 != sessions.size()) {
    sessions[i] = std::move(sessions.back());
    sessions[i]->index = i;
  }
  sessions.pop_back();
  if (stopping && sessions.empty()) finish();
}

void Context::begin_shutdown(std::chrono::milliseconds grace_period) {
  if (stopping) return;
  stopping = true;
  const auto snapshot = sessions;
  for (const auto& s : snapshot) s->on_server_stop();
  if (sessions.empty()) return finish();
  grace.expires_after(grace_period);
  grace.async_wait([this](const error_code& ec) {
    if (!ec) force_close_all();
  });
}

void Context::force_close_all() {
  const auto snapshot = sessions;
  for (const auto& s : snapshot) s->close();
}

void Context::finish() {
  grace.cancel();
  guard.reset();
}

// ---- Session ------------------------------------------------------------------------------------

Session::Session(std::shared_ptr<Context> ctx, Socket socket, std::string remote, Admission admission)
    : ctx_(std::move(ctx)),
      limits_(ctx_->shared->limits),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      reader_(limits_),
      remote_(std::move(remote)),
      admission_(admission) {}

Session::~Session() { release_slot(); }

void Session::release_slot() {
  if (!slot_held_) return;
  slot_held_ = false;
  ctx_->shared->connections->release(this, admission_);
}

void Session::start() {
  ctx_->add(shared_from_this());
  if (admission_ == Admission::Open) ctx_->shared->connections->attach(this);
  if (ctx_->stopping) return close();
  error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  if (admission_ == Admission::Refused) {
    // Over the connection caps with nothing idle to close: say so, then close.
    return fail(503, errors::kServiceUnavailable, "Too many open connections; retry later");
  }
  phase_ = Phase::Idle;
  set_idle(true);
  set_deadline(SteadyClock::now() + limits_.idle_timeout);
  begin_request();
}

void Session::on_server_stop() {
  stop_requested_ = true;
  if (phase_ == Phase::Idle && buffer_.size() == 0 && !reader_.got_some()) return close();
  if (phase_ == Phase::Handling) keep_alive_ = false;
  // Reading a request, writing a response or lingering: finish, then close (see on_write).
}

void Session::evict_if_idle() {
  eviction_pending.store(false, std::memory_order_relaxed);
  if (closed_ || phase_ != Phase::Idle || buffer_.size() != 0 || reader_.got_some()) return;
  close();  // silently, as an idle timeout would: clients retry a closed idle keep-alive connection
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  auto self = shared_from_this();  // the registry may hold the last reference
  set_idle(false);
  error_code ec;
  socket_.close(ec);
  timer_.cancel();
  release_slot();
  ctx_->remove(this);
}

void Session::set_idle(bool idle) { idle_since_.store(idle ? steady_ns() : 0, std::memory_order_relaxed); }

// ---- reading ----

void Session::begin_request() {
  // Keep buffers sized for ordinary requests; a rare large one does not pin its memory.
  if (buffer_.capacity() > kBodyReadChunk && buffer_.size() < kReadChunk) buffer_.shrink_to_fit();
  if (req_.body.capacity() > kBodyReadChunk) std::string().swap(req_.body);
  reader_.start(req_);
  req_.remote_address = remote_;
  is_head_ = false;
  process();
}

// Feeds buffered bytes to the parser; dispatches a complete request or reads more.
void Session::process() {
  for (;;) {
    size_t consumed = 0;
    const auto data = buffer_.data();
    const auto status = reader_.feed(std::string_view(static_cast<const char*>(data.data()), data.size()), consumed);
    buffer_.consume(consumed);
    if (status == RequestReader::Status::Done) return dispatch_request();
    if (status == RequestReader::Status::Error) {
      const ParseError& e = reader_.error();
      return fail(e.status, e.code, e.message);
    }
    if (status == RequestReader::Status::NeedMore) break;
    // Header done: only ask for the body when the client is waiting for our go-ahead.
    if (reader_.expect_continue() && buffer_.size() == 0) return send_continue();
  }

  // Need more input. Deadlines only move when the phase changes, so a request that arrives in
  // one read never touches the timer.
  const Phase want = !reader_.got_some() && buffer_.size() == 0 ? Phase::Idle
                     : reader_.header_done()                    ? Phase::Body
                                                                : Phase::Header;
  if (want != phase_) {
    phase_ = want;
    const auto timeout = want == Phase::Idle     ? limits_.idle_timeout
                         : want == Phase::Header ? limits_.header_timeout
                                                 : limits_.body_timeout;
    set_deadline(SteadyClock::now() + timeout);
    set_idle(want == Phase::Idle);
  }
  read_more();
}

void Session::read_more() {
  auto space = buffer_.prepare(phase_ == Phase::Body ? kBodyReadChunk : kReadChunk);
  socket_.async_read_some(space, [self = shared_from_this()](const error_code& ec, size_t n) { self->on_read(ec, n); });
}

void Session::on_read(const error_code& ec, size_t n) {
  if (closed_) return;
  if (timed_out_) return on_timed_out();
  if (ec) return close();  // EOF or reset: a partial request is dropped silently
  buffer_.commit(n);
  process();
}

void Session::send_continue() {
  static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
  asio::async_write(socket_, asio::buffer(k100.data(), k100.size()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (self->closed_) return;
                      if (self->timed_out_) return self->on_timed_out();
                      if (ec) return self->close();
                      self->process();
                    });
}

void Session::on_timed_out() {
  timed_out_ = false;
  fail(408, errors::kRequestTimeout,
       phase_ == Phase::Body ? "Timed out reading the request body" : "Timed out reading the request headers");
}

// A request that cannot be served: answer an error, then close.
void Session::fail(unsigned status, const char* code, std::string_view message) {
  keep_alive_ = false;
  linger_ = true;
  linger_budget_ = status == 413 || status == 408 ? kMaxLingerBytes : kMaxLingerBytesAfterBadFraming;
  set_idle(false);
  write_response(ctx_->shared->error(status, code, message));
}

// ---- handling ----

void Session::dispatch_request() {
  keep_alive_ = reader_.keep_alive() && !stop_requested_;
  http10_ = reader_.http10();
  is_head_ = req_.method == "HEAD";
  phase_ = Phase::Handling;
  set_idle(false);
  deadline_ = SteadyClock::time_point::max();  // the application takes as long as it takes
  awaiting_ = true;
  const uint64_t seq = ++seq_;
  try {
    ctx_->shared->handler(std::move(req_), make_responder());
  } catch (...) {
    // Ignored when the handler responded before throwing.
    deliver(seq, ctx_->shared->error(500, errors::kInternalService, "Internal server error"));
  }
}

Responder Session::make_responder() {
  return [self = shared_from_this(), seq = seq_](Response r) mutable {
    if (!self) return;  // this copy was already used
    auto s = std::move(self);
    Context& c = *s->ctx_;
    if (c.dead.load(std::memory_order_acquire)) return;
    // Inline when called on this session's thread, posted otherwise.
    asio::dispatch(c.ioc, [s = std::move(s), seq, r = std::move(r)]() mutable { s->deliver(seq, std::move(r)); });
  };
}

void Session::deliver(uint64_t seq, Response&& r) {
  if (closed_ || !awaiting_ || seq != seq_) return;  // closed meanwhile, or a second call
  awaiting_ = false;
  write_response(std::move(r));
}

// ---- writing ----

void Session::write_response(Response&& r) {
  if (stop_requested_) keep_alive_ = false;
  unsigned status = r.status;
  if (status < 100 || status > 999) status = 500;
  const bool bodyless_status = status < 200 || status == 204 || status == 304;

  std::string& h = head_;
  h.clear();
  h.append("HTTP/1.1 ");
  append_uint(h, status);
  h.push_back(' ');
  h.append(reason_phrase(status));
  h.append("\r\n");
  bool has_request_id = false;
  for (const auto& f : r.headers) {
    const HeaderKind kind = classify(f.name);
    if (kind == HeaderKind::Connection) {
      // The handler may ask to close; the server writes the header itself.
      if (f.value.find("close") != std::string::npos || f.value.find("Close") != std::string::npos) keep_alive_ = false;
      continue;
    }
    if (kind == HeaderKind::Skip || !header_safe(f)) continue;
    if (kind == HeaderKind::RequestId) has_request_id = true;
    h.append(f.name);
    h.append(": ");
    h.append(f.value);
    h.append("\r\n");
  }
  if (!has_request_id) {
    char id[kUuidLength];
    write_fast_uuid(id);
    h.append("x-amzn-RequestId: ");
    h.append(id, sizeof id);
    h.append("\r\n");
  }
  h.append("Date: ");
  h.append(current_date());
  h.append("\r\n");
  if (!bodyless_status) {
    h.append("Content-Length: ");
    append_uint(h, r.body.size());
    h.append("\r\n");
  }
  if (!keep_alive_)
    h.append("Connection: close\r\n");
  else if (http10_)
    h.append("Connection: keep-alive\r\n");
  h.append("\r\n");

  body_ = std::move(r.body);
  phase_ = Phase::Writing;
  // A client that does not read its response is treated like an idle one.
  set_deadline(SteadyClock::now() + limits_.idle_timeout);
  auto done = [self = shared_from_this()](const error_code& ec, size_t) { self->on_write(ec); };
  if (!bodyless_status && !is_head_ && !body_.empty()) {
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(socket_, bufs, std::move(done));
  } else {
    asio::async_write(socket_, asio::buffer(head_), std::move(done));
  }
}

void Session::on_write(const error_code& ec) {
  if (closed_) return;
  if (ec) return close();
  std::string().swap(body_);
  if (!keep_alive_ || stop_requested_) {
    if (linger_) return start_linger();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    return close();
  }
  begin_request();
}

void Session::start_linger() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close();
  phase_ = Phase::Linger;
  set_deadline(SteadyClock::now() + std::min<std::chrono::milliseconds>(kMaxLinger, limits_.body_timeout));
  linger_read();
}

void Session::linger_read() {
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this()](const error_code& ec, size_t n) {
    if (self->closed_) return;
    self->lingered_ += n;
    if (ec || self->lingered_ > self->linger_budget_) return self->close();
    self->linger_read();
  });
}

// ---- deadlines ----
// One timer per session, armed lazily: moving a deadline later costs nothing; when the timer
// fires it re-arms for the current deadline if that has not passed yet.

void Session::set_deadline(SteadyClock::time_point tp) {
  deadline_ = tp;
  if (!timer_armed_ || tp < armed_at_) arm(tp);
}

void Session::arm(SteadyClock::time_point tp) {
  timer_armed_ = true;
  armed_at_ = tp;
  const uint64_t gen = ++timer_gen_;
  timer_.expires_at(tp);
  timer_.async_wait([self = shared_from_this(), gen](const error_code&) { self->on_timer(gen); });
}

void Session::on_timer(uint64_t gen) {
  if (closed_ || gen != timer_gen_) return;  // closed, or superseded by a re-arm
  timer_armed_ = false;
  if (phase_ == Phase::Handling) return;  // re-armed when the response is written
  if (SteadyClock::now() < deadline_) return arm(deadline_);
  switch (phase_) {
    case Phase::Header:
    case Phase::Body: {
      // The pending read (or 100-continue write) completes with operation_aborted and answers 408.
      timed_out_ = true;
      error_code ec;
      socket_.cancel(ec);
      break;
    }
    case Phase::Handling: break;
    case Phase::Idle:
    case Phase::Writing:
    case Phase::Linger: close(); break;
  }
}

}  // namespace cl::http
