#pragma once
// Shared by the HTTP server tests: a blocking loopback client with deadlines, and a fixture that
// runs a real Server on a free port.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace cl::http::test {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

struct RawResponse {
  int status = 0;
  std::vector<Header> headers;
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& h : headers)
      if (iequals(h.name, name)) return h.value;
    return {};
  }
  bool has(std::string_view name) const {
    for (const auto& h : headers)
      if (iequals(h.name, name)) return true;
    return false;
  }
};

// A blocking loopback client that reads with deadlines, so a server bug fails a test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Returns false when the peer is gone.
  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response: status line, headers, Content-Length body. nullopt on EOF, error or timeout.
  std::optional<RawResponse> read_response(Ms timeout = 3000ms, bool head_request = false) {
    const auto deadline = SteadyClock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(deadline)) return std::nullopt;
    RawResponse r;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.push_back({line.substr(0, colon), value});
      pos = e + 2;
    }
    if (!head_request && r.status >= 200 && r.has("Content-Length")) {
      size_t len = std::stoul(r.header("Content-Length"));
      while (buf_.size() < len)
        if (!fill(deadline)) return std::nullopt;
      r.body = buf_.substr(0, len);
      buf_.erase(0, len);
    }
    return r;
  }

  // True when the server closes the connection (EOF or reset) before the timeout.
  bool closed_by_peer(Ms timeout = 2000ms) {
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      int r = wait_readable(deadline);
      if (r <= 0) return false;  // timeout
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return true;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  const std::string& pending() const { return buf_; }

 private:
  int wait_readable(SteadyClock::time_point deadline) {
    auto left = std::chrono::duration_cast<Ms>(deadline - SteadyClock::now()).count();
    if (left <= 0) return 0;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left));
  }

  bool fill(SteadyClock::time_point deadline) {
    if (wait_readable(deadline) <= 0) return false;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
};

Response text(std::string body, unsigned status = 200) {
  Response r;
  r.status = status;
  r.set_header("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

// "Thu, 26 Nov 2026 16:01:08 GMT"
bool looks_like_http_date(std::string_view d) {
  static constexpr std::string_view kDays = "Mon Tue Wed Thu Fri Sat Sun";
  static constexpr std::string_view kMonths = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";
  const std::string_view shape = "Ddd, 00 Mmm 0000 00:00:00 GMT";
  if (d.size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == '0') {
      if (d[i] < '0' || d[i] > '9') return false;
    } else if (shape[i] != 'D' && shape[i] != 'd' && shape[i] != 'M' && shape[i] != 'm' && shape[i] != d[i]) {
      return false;
    }
  }
  return kDays.find(d.substr(0, 3)) % 4 == 0 && kMonths.find(d.substr(8, 3)) % 4 == 0;
}

// Lower-case UUID v4.
bool is_uuid4(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' && std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

// The application's error form, as src/app injects it: the HTTP layer itself knows no wire format.
Response render_error(unsigned status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.set_header("Content-Type", "application/json");
  r.set_header("x-amzn-ErrorType", std::string(code));
  r.body = "{\"Message\":\"";
  for (char c : message) r.body += (c == '"' || c == '\\') ? '_' : c;
  r.body += "\"}";
  return r;
}

// Echo: "METHOD TARGET\nBODY".
void echo(Request&& req, Responder respond) { respond(text(req.method + " " + req.target + "\n" + req.body)); }

class ServerTest : public ::testing::Test {
 protected:
  void start(Handler handler, Limits limits = {}, unsigned threads = 2, size_t max_connections = 0,
             size_t max_per_client = 0) {
    ServerConfig config;
    config.port = 0;
    config.max_connections = max_connections;
    config.max_connections_per_client = max_per_client;
    config.threads = threads;
    config.limits = limits;
    config.render_error = render_error;
    server_ = std::make_unique<Server>(config, std::move(handler));
    run_done_ = std::async(std::launch::async, [this] { server_->run(); });
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      EXPECT_EQ(run_done_.wait_for(5s), std::future_status::ready);
      run_done_.get();
      server_.reset();
    }
    for (auto& t : workers_) t.join();
  }

  uint16_t port() const { return server_->port(); }

  static bool is_error(const RawResponse& r, int status, std::string_view code) {
    return r.status == status && r.header("x-amzn-ErrorType") == code &&
           r.header("Content-Type") == "application/json" && r.body.rfind("{\"Message\":\"", 0) == 0 &&
           r.body.back() == '}' && r.has("x-amzn-RequestId") && r.has("Date");
  }

  std::unique_ptr<Server> server_;
  std::future<void> run_done_;
  std::vector<std::thread> workers_;
};

}  // namespace cl::http::test
