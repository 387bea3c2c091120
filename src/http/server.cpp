#include "http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/basic_signal_set.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include "common/aws_error.hpp"

namespace cl::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
// Concrete executor types: no type-erased any_io_executor on the hot path.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Timer = asio::basic_waitable_timer<SteadyClock, asio::wait_traits<SteadyClock>, Executor>;
using SignalSet = asio::basic_signal_set<Executor>;

// After an error response the connection is closed; until then unread request bytes are drained so
// the close does not turn into a reset that destroys the response in flight.
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr size_t kMaxLingerBytes = 8 * 1024 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kBodyReadChunk = 64 * 1024;

// ---- Date and request-id helpers ----------------------------------------------------------------

constexpr size_t kDateLen = 29;  // "Thu, 26 Nov 2026 16:01:08 GMT"

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void format_http_date(int64_t t, char* out) {
  static constexpr char kDays[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // day 0 was a Thursday
  static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t days = t / 86400;
  int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const int64_t weekday = ((days % 7) + 7) % 7;
  // Civil date from days since 1970-01-01 (proleptic Gregorian).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  year = std::clamp<int64_t>(year, 0, 9999);

  std::memcpy(out, kDays[weekday], 3);
  out[3] = ',';
  out[4] = ' ';
  put2(out + 5, day);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths[month - 1], 3);
  out[11] = ' ';
  put2(out + 12, static_cast<unsigned>(year / 100));
  put2(out + 14, static_cast<unsigned>(year % 100));
  out[16] = ' ';
  put2(out + 17, static_cast<unsigned>(secs / 3600));
  out[19] = ':';
  put2(out + 20, static_cast<unsigned>(secs / 60 % 60));
  out[22] = ':';
  put2(out + 23, static_cast<unsigned>(secs % 60));
  std::memcpy(out + 25, " GMT", 4);
}

// Per I/O thread: the formatted Date changes once a second, so format it once a second.
std::string_view current_date() {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local char cached[kDateLen];
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  if (now != cached_second) {
    format_http_date(now, cached);
    cached_second = now;
  }
  return {cached, kDateLen};
}

// Request ids only need to be unique, not secret: a per-thread splitmix64 stream seeded from the OS.
uint64_t next_random() {
  thread_local uint64_t state = [] {
    std::random_device rd;
    uint64_t s = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    s ^= static_cast<uint64_t>(SteadyClock::now().time_since_epoch().count());
    s ^= std::hash<std::thread::id>{}(std::this_thread::get_id()) * 0x9e3779b97f4a7c15ULL;
    return s;
  }();
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Lower-case UUID v4, 36 characters.
void write_uuid(char* out) {
  unsigned char b[16];
  const uint64_t hi = next_random();
  const uint64_t lo = next_random();
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 0x0f];
  }
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

std::string json_message(std::string_view message) {
  std::string out = "{\"Message\":\"";
  for (char c : message) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += "\"}";
  return out;
}

Response error_response(unsigned status, const char* code, std::string_view message) {
  Response r;
  r.status = status;
  r.headers.reserve(2);
  r.headers.push_back({"Content-Type", "application/json"});
  r.headers.push_back({"x-amzn-ErrorType", code});
  r.body = json_message(message);
  return r;
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

// ---- Parser -------------------------------------------------------------------------------------

// Builds the Request straight from Beast's parser callbacks: raw target, headers in wire order with
// their original case, body bytes. No beast::http::fields in between.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  RequestParser(Request& req, const Limits& limits) : req_(req), limits_(limits) {
    header_limit(static_cast<std::uint32_t>(std::min<size_t>(limits.max_header_bytes, UINT32_MAX)));
    body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
    eager(true);
  }

  bool start_line_seen = false;
  bool expect_continue = false;
  int http_version = 11;
  // Set when a callback rejects the request; the error then answers with this.
  unsigned reject_status = 0;
  const char* reject_code = nullptr;
  const char* reject_message = nullptr;

 private:
  using sv = beast::string_view;

  void reject(error_code& ec, unsigned status, const char* code, const char* message) {
    reject_status = status;
    reject_code = code;
    reject_message = message;
    ec = bhttp::error::bad_value;
  }

  void on_request_impl(bhttp::verb, sv method, sv target, int version, error_code& ec) override {
    start_line_seen = true;
    // method SP target SP "HTTP/1.1"
    if (method.size() + target.size() + 10 > limits_.max_request_line)
      return reject(ec, 400, errors::kBadRequest, "Request line too long");
    http_version = version;
    req_.method.assign(method.data(), method.size());
    req_.target.assign(target.data(), target.size());
  }

  void on_response_impl(int, sv, int, error_code&) override {}

  void on_field_impl(bhttp::field f, sv name, sv value, error_code& ec) override {
    if (count_ >= limits_.max_header_count)
      return reject(ec, 431, errors::kBadRequest, "Too many request headers");
    if (f == bhttp::field::transfer_encoding) {
      ++te_fields_;
      te_chunked_only_ = te_fields_ == 1 && iequals({value.data(), value.size()}, "chunked");
    } else if (f == bhttp::field::expect) {
      if (iequals({value.data(), value.size()}, "100-continue")) expect_continue = true;
    }
    // Reuse the strings of the previous request when the handler left them in place.
    if (count_ < req_.headers.size()) {
      auto& h = req_.headers[count_];
      h.name.assign(name.data(), name.size());
      h.value.assign(value.data(), value.size());
    } else {
      req_.headers.push_back(Header{std::string(name.data(), name.size()), std::string(value.data(), value.size())});
    }
    ++count_;
  }

  void on_header_impl(error_code& ec) override {
    req_.headers.resize(count_);
    if (te_fields_ != 0 && !te_chunked_only_) {
      // RFC 9112 6.1: chunked must be the final coding of a request; other codings are not supported.
      if (chunked())
        return reject(ec, 501, errors::kNotImplemented, "Transfer-Encoding other than chunked is not supported");
      return reject(ec, 400, errors::kBadRequest, "Transfer-Encoding without a final chunked coding");
    }
  }

  void on_body_init_impl(boost::optional<std::uint64_t> const& length, error_code&) override {
    if (length) req_.body.reserve(static_cast<size_t>(*length));
  }

  std::size_t on_body_impl(sv body, error_code&) override {
    req_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, sv, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, sv body, error_code&) override {
    req_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  Request& req_;
  const Limits& limits_;
  size_t count_ = 0;
  unsigned te_fields_ = 0;
  bool te_chunked_only_ = false;
};

// ---- Per-thread context and sessions ------------------------------------------------------------

struct Shared {
  Handler handler;
  Limits limits;
};

class Session;

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
  Session(std::shared_ptr<Context> ctx, Socket socket)
      : ctx_(std::move(ctx)), limits_(ctx_->shared->limits), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  size_t index = 0;  // slot in Context::sessions

  void start() {
    ctx_->add(shared_from_this());
    if (ctx_->stopping) return close();
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    phase_ = Phase::Idle;
    set_deadline(SteadyClock::now() + limits_.idle_timeout);
    begin_request();
  }

  void on_server_stop() {
    stop_requested_ = true;
    if (phase_ == Phase::Idle && buffer_.size() == 0 && !(parser_ && parser_->got_some())) return close();
    if (phase_ == Phase::Handling) keep_alive_ = false;
    // Reading a request, writing a response or lingering: finish, then close (see on_write).
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    auto self = shared_from_this();  // the registry may hold the last reference
    error_code ec;
    socket_.close(ec);
    timer_.cancel();
    ctx_->remove(this);
  }

 private:
  enum class Phase : uint8_t { Idle, Header, Body, Handling, Writing, Linger };

  // ---- reading ----

  void begin_request() {
    // Keep buffers sized for ordinary requests; a rare large one does not pin its memory.
    if (buffer_.capacity() > kBodyReadChunk && buffer_.size() < kReadChunk) buffer_.shrink_to_fit();
    if (req_.body.capacity() > kBodyReadChunk) std::string().swap(req_.body);
    parser_.emplace(req_, limits_);
    req_.method.clear();
    req_.target.clear();
    req_.body.clear();
    req_.remote_address = remote_;
    header_seen_ = false;
    is_head_ = false;
    process();
  }

  // Feeds buffered bytes to the parser; dispatches a complete request or reads more.
  void process() {
    while (buffer_.size() != 0) {
      error_code ec;
      const size_t n = parser_->put(buffer_.data(), ec);
      buffer_.consume(n);
      if (ec == bhttp::error::need_more) break;
      if (ec) return on_parse_error(ec);
      if (!header_seen_ && parser_->is_header_done()) {
        header_seen_ = true;
        if (!on_header_complete()) return;
      }
      if (parser_->is_done()) return dispatch_request();
      if (n == 0) break;
    }
    if (!parser_->start_line_seen && buffer_.size() > limits_.max_request_line + 2)
      return fail(400, errors::kBadRequest, "Request line too long");

    // Need more input. Deadlines only move when the phase changes, so a request that arrives in
    // one read never touches the timer.
    const Phase want = !parser_->got_some()        ? Phase::Idle
                       : parser_->is_header_done() ? Phase::Body
                                                   : Phase::Header;
    if (want != phase_) {
      phase_ = want;
      const auto timeout = want == Phase::Idle     ? limits_.idle_timeout
                           : want == Phase::Header ? limits_.header_timeout
                                                   : limits_.body_timeout;
      set_deadline(SteadyClock::now() + timeout);
    }
    read_more();
  }

  void read_more() {
    auto space = buffer_.prepare(phase_ == Phase::Body ? kBodyReadChunk : kReadChunk);
    socket_.async_read_some(space, [self = shared_from_this()](const error_code& ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(const error_code& ec, size_t n) {
    if (closed_) return;
    if (timed_out_) return on_timed_out();
    if (ec) return close();  // EOF or reset: a partial request is dropped silently
    buffer_.commit(n);
    process();
  }

  bool on_header_complete() {
    const auto& p = *parser_;
    // Only ask for the body when the client is waiting for our go-ahead.
    if (p.expect_continue && p.http_version == 11 && !p.is_done() && buffer_.size() == 0) {
      send_continue();
      return false;
    }
    return true;
  }

  void send_continue() {
    static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(socket_, asio::buffer(k100.data(), k100.size()),
                      [self = shared_from_this()](const error_code& ec, size_t) {
                        if (self->closed_) return;
                        if (self->timed_out_) return self->on_timed_out();
                        if (ec) return self->close();
                        self->process();
                      });
  }

  void on_parse_error(const error_code& ec) {
    const auto& p = *parser_;
    if (p.reject_status != 0) return fail(p.reject_status, p.reject_code, p.reject_message);
    if (ec == bhttp::error::body_limit)
      return fail(413, errors::kRequestEntityTooLarge,
                  "Request body is larger than the limit of " + std::to_string(limits_.max_body_bytes) + " bytes");
    if (ec == bhttp::error::header_limit) return fail(431, errors::kBadRequest, "Request header block too large");
    fail(400, errors::kBadRequest, "Malformed HTTP request");
  }

  void on_timed_out() {
    timed_out_ = false;
    fail(408, errors::kRequestTimeout,
         phase_ == Phase::Body ? "Timed out reading the request body" : "Timed out reading the request headers");
  }

  // A request that cannot be served: answer a JSON error, then close.
  void fail(unsigned status, const char* code, std::string_view message) {
    keep_alive_ = false;
    linger_ = true;
    write_response(error_response(status, code, message));
  }

  // ---- handling ----

  void dispatch_request() {
    keep_alive_ = parser_->keep_alive() && !stop_requested_;
    http10_ = parser_->http_version == 10;
    is_head_ = req_.method == "HEAD";
    parser_.reset();
    phase_ = Phase::Handling;
    deadline_ = SteadyClock::time_point::max();  // the application takes as long as it takes
    awaiting_ = true;
    const uint64_t seq = ++seq_;
    try {
      ctx_->shared->handler(std::move(req_), make_responder());
    } catch (...) {
      // Ignored when the handler responded before throwing.
      deliver(seq, error_response(500, errors::kInternalService, "Internal server error"));
    }
  }

  Responder make_responder() {
    return [self = shared_from_this(), seq = seq_](Response r) mutable {
      if (!self) return;  // this copy was already used
      auto s = std::move(self);
      Context& c = *s->ctx_;
      if (c.dead.load(std::memory_order_acquire)) return;
      // Inline when called on this session's thread, posted otherwise.
      asio::dispatch(c.ioc, [s = std::move(s), seq, r = std::move(r)]() mutable { s->deliver(seq, std::move(r)); });
    };
  }

  void deliver(uint64_t seq, Response&& r) {
    if (closed_ || !awaiting_ || seq != seq_) return;  // closed meanwhile, or a second call
    awaiting_ = false;
    write_response(std::move(r));
  }

  // ---- writing ----

  void write_response(Response&& r) {
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
        if (f.value.find("close") != std::string::npos || f.value.find("Close") != std::string::npos)
          keep_alive_ = false;
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
      char id[36];
      write_uuid(id);
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

  void on_write(const error_code& ec) {
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

  void start_linger() {
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    phase_ = Phase::Linger;
    set_deadline(SteadyClock::now() + std::min<std::chrono::milliseconds>(kMaxLinger, limits_.body_timeout));
    linger_read();
  }

  void linger_read() {
    buffer_.clear();
    socket_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this()](const error_code& ec, size_t n) {
      if (self->closed_) return;
      self->lingered_ += n;
      if (ec || self->lingered_ > kMaxLingerBytes) return self->close();
      self->linger_read();
    });
  }

  // ---- deadlines ----
  // One timer per session, armed lazily: moving a deadline later costs nothing; when the timer
  // fires it re-arms for the current deadline if that has not passed yet.

  void set_deadline(SteadyClock::time_point tp) {
    deadline_ = tp;
    if (!timer_armed_ || tp < armed_at_) arm(tp);
  }

  void arm(SteadyClock::time_point tp) {
    timer_armed_ = true;
    armed_at_ = tp;
    const uint64_t gen = ++timer_gen_;
    timer_.expires_at(tp);
    timer_.async_wait([self = shared_from_this(), gen](const error_code&) { self->on_timer(gen); });
  }

  void on_timer(uint64_t gen) {
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
      case Phase::Handling:
        break;
      case Phase::Idle:
      case Phase::Writing:
      case Phase::Linger:
        close();
        break;
    }
  }

  std::shared_ptr<Context> ctx_;
  const Limits& limits_;
  Socket socket_;
  Timer timer_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Request req_;
  std::string remote_;
  std::string head_;  // serialized response head
  std::string body_;  // response body while it is written

  Phase phase_ = Phase::Idle;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  SteadyClock::time_point armed_at_{};
  uint64_t timer_gen_ = 0;
  uint64_t seq_ = 0;  // request number; a response for another number is ignored
  size_t lingered_ = 0;
  bool timer_armed_ = false;
  bool awaiting_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool is_head_ = false;
  bool header_seen_ = false;
  bool linger_ = false;
  bool timed_out_ = false;
  bool stop_requested_ = false;
  bool closed_ = false;
};

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

void run_loop(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      // A completion handler threw; the loop itself is intact, keep serving.
    }
  }
}

}  // namespace

// ---- Server -------------------------------------------------------------------------------------

struct Server::Impl {
  Impl(ServerConfig cfg, Handler handler) : config(std::move(cfg)) {
    auto sh = std::make_shared<Shared>();
    sh->handler = std::move(handler);
    sh->limits = config.limits;
    shared = std::move(sh);
    const unsigned n = std::max(1u, config.threads);
    ctxs.reserve(n);
    for (unsigned i = 0; i < n; ++i) ctxs.push_back(std::make_shared<Context>(shared));
    listen();
    accept_retry.emplace(ctxs[0]->ioc.get_executor());
    do_accept();
  }

  ServerConfig config;
  std::shared_ptr<const Shared> shared;
  std::vector<std::shared_ptr<Context>> ctxs;
  // Bound to ctxs[0]; declared after ctxs so they are destroyed before it.
  std::optional<Acceptor> acceptor;
  std::optional<Timer> accept_retry;
  std::optional<SignalSet> signals;
  std::atomic<bool> stopping{false};
  uint16_t port = 0;
  size_t next_ctx = 0;  // touched by ctxs[0]'s thread only
  std::mutex run_mu;
  std::condition_variable run_cv;
  bool run_active = false;

  [[noreturn]] void listen_failed(const std::string& what, const error_code& ec) const {
    throw std::runtime_error("cannot listen on " + config.host + ":" + std::to_string(config.port) + ": " + what +
                             (ec ? ": " + ec.message() : std::string()));
  }

  void listen() {
    error_code ec;
    tcp::endpoint endpoint;
    const auto address = asio::ip::make_address(config.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, config.port);
    } else {
      asio::ip::basic_resolver<tcp, Executor> resolver(ctxs[0]->ioc.get_executor());
      auto results = resolver.resolve(config.host, std::to_string(config.port), ec);
      if (ec || results.empty()) listen_failed("cannot resolve host", ec);
      endpoint = results.begin()->endpoint();
    }
    acceptor.emplace(ctxs[0]->ioc.get_executor());
    acceptor->open(endpoint.protocol(), ec);
    if (ec) listen_failed("open", ec);
    acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    acceptor->bind(endpoint, ec);
    if (ec) listen_failed("bind", ec);
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) listen_failed("listen", ec);
    port = acceptor->local_endpoint(ec).port();
    if (ec) listen_failed("local_endpoint", ec);
  }

  // Connections go round-robin to the per-thread contexts.
  void do_accept() {
    auto ctx = ctxs[next_ctx];
    next_ctx = (next_ctx + 1) % ctxs.size();
    acceptor->async_accept(ctx->ioc, [this, ctx](const error_code& ec, Socket socket) mutable {
      if (stopping.load(std::memory_order_acquire) || ec == asio::error::operation_aborted || !acceptor->is_open())
        return;
      if (!ec) {
        asio::post(ctx->ioc, [ctx, s = std::move(socket)]() mutable {
          std::make_shared<Session>(ctx, std::move(s))->start();
        });
        return do_accept();
      }
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
          (ec.category() == boost::system::system_category() && ec.value() == ENFILE)) {
        // Out of descriptors or memory: back off instead of spinning on the error.
        accept_retry->expires_after(std::chrono::milliseconds(50));
        accept_retry->async_wait([this](const error_code& e) {
          if (!e && !stopping.load()) do_accept();
        });
        return;
      }
      do_accept();  // per-connection failure (e.g. aborted handshake)
    });
  }

  void stop() {
    if (stopping.exchange(true)) return;
    asio::post(ctxs[0]->ioc, [this] {
      error_code ec;
      if (acceptor) acceptor->close(ec);
      if (accept_retry) accept_retry->cancel();
      if (signals) signals->cancel(ec);
    });
    for (auto& c : ctxs)
      asio::post(c->ioc, [cp = c.get(), grace = config.limits.shutdown_grace] { cp->begin_shutdown(grace); });
  }

  void stop_on_signals() {
    if (signals || stopping.load()) return;
    signals.emplace(ctxs[0]->ioc.get_executor(), SIGINT, SIGTERM);
    signals->async_wait([this](const error_code& ec, int) {
      if (!ec) stop();
    });
  }

  void run() {
    {
      std::lock_guard<std::mutex> lock(run_mu);
      if (run_active) throw std::logic_error("cl::http::Server::run() is already running");
      run_active = true;
    }
    std::vector<std::thread> threads;
    threads.reserve(ctxs.size() - 1);
    for (size_t i = 1; i < ctxs.size(); ++i) threads.emplace_back([c = ctxs[i]] { run_loop(c->ioc); });
    run_loop(ctxs[0]->ioc);
    for (auto& t : threads) t.join();
    {
      std::lock_guard<std::mutex> lock(run_mu);
      run_active = false;
    }
    run_cv.notify_all();
  }

  // Runs once no I/O thread is left: closes what is still open and completes the aborted operations,
  // so sessions (which hold their context) are released.
  void shutdown() {
    stop();
    {
      std::unique_lock<std::mutex> lock(run_mu);
      run_cv.wait(lock, [this] { return !run_active; });
    }
    for (auto& c : ctxs) c->dead.store(true, std::memory_order_release);
    for (auto& c : ctxs) {
      c->ioc.restart();
      asio::post(c->ioc, [cp = c.get()] {
        cp->stopping = true;
        cp->force_close_all();
        cp->finish();
      });
      while (c->ioc.poll() != 0) {
      }
    }
  }
};

Server::Server(ServerConfig config, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler))) {}

Server::~Server() {
  if (impl_) impl_->shutdown();
}

uint16_t Server::port() const { return impl_->port; }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }
void Server::stop_on_signals() { impl_->stop_on_signals(); }

std::string http_date(int64_t unix_seconds) {
  char buf[kDateLen];
  format_http_date(unix_seconds, buf);
  return std::string(buf, kDateLen);
}

}  // namespace cl::http
