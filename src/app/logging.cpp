#include "app/logging.hpp"

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/time_format.hpp"
#include "common/worker_pool.hpp"

namespace cl::app::logging {

namespace {

using SystemTime = std::chrono::system_clock::time_point;

constexpr auto kFlushEvery = std::chrono::milliseconds(50);
constexpr size_t kWakeAt = 64 * 1024;         // a thread's buffer this full wakes the flusher early
constexpr size_t kWriteAt = 4 * 1024 * 1024;  // ... and this full is written by the thread itself
constexpr size_t kMaxValue = 512;             // longer values (paths, regions from clients) are cut

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: drop rather than fail requests
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void append_uint(std::string& out, uint64_t v) {
  fmt::format_int f(v);
  out.append(f.data(), f.size());
}

void append_3digits(std::string& out, unsigned v) {
  const char d[3] = {static_cast<char>('0' + v / 100), static_cast<char>('0' + v / 10 % 10),
                     static_cast<char>('0' + v % 10)};
  out.append(d, 3);
}

// "2026-11-30T14:20:01.123Z"; the seconds part is formatted once per second per thread.
void append_time(std::string& out, SystemTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const int64_t s = ms / 1000;
  thread_local int64_t cached = -1;
  thread_local char prefix[32];
  if (s != cached) {
    const std::string iso = iso8601_utc(s * 1000);  // "yyyy-mm-ddThh:mm:ssZ": the first 19 characters
    std::memcpy(prefix, iso.data(), 19);
    cached = s;
  }
  out.append(prefix, 19);
  out.push_back('.');
  append_3digits(out, static_cast<unsigned>(ms % 1000));
  out.push_back('Z');
}

// Bytes that need no escaping in a JSON string (printable ASCII but '"' and '\\'), and those that
// may also stand bare in a text value (no space or '=' either).
constexpr auto kJsonPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();
constexpr auto kTextPlain = [] {
  std::array<bool, 256> t = kJsonPlain;
  t[' '] = t['='] = false;
  return t;
}();

// JSON string contents: quotes, backslashes, control and non-ASCII bytes escaped, so every line
// is valid JSON whatever a client sent. Runs of plain bytes are appended at once.
void append_escaped(std::string& out, std::string_view v) {
  if (v.size() > kMaxValue) v = v.substr(0, kMaxValue);
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    while (j < v.size() && kJsonPlain[static_cast<unsigned char>(v[j])]) ++j;
    out.append(v.data() + i, j - i);
    if (j == v.size()) break;
    const auto c = static_cast<unsigned char>(v[j]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const char e[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(e, 6);
    }
    i = j + 1;
  }
}

void append_json_string(std::string& out, std::string_view v) {
  out.push_back('"');
  append_escaped(out, v);
  out.push_back('"');
}

// A text value: bare when it is one plain token, else quoted and escaped; "-" when absent.
void append_text_value(std::string& out, std::string_view v) {
  if (v.empty()) {
    out.push_back('-');
    return;
  }
  bool plain = v.size() <= kMaxValue;
  for (unsigned char c : v) plain &= kTextPlain[c];
  if (plain)
    out.append(v);
  else
    append_json_string(out, v);
}

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "info";
  }
}

class Output {
 public:
  Format format = Format::Text;

  // Appends through fill(std::string&) into the calling thread's buffer.
  template <class Fill>
  void append(Fill&& fill, bool urgent) {
    Buffer& b = mine();
    size_t size;
    {
      std::lock_guard lk(b.mu);
      fill(b.data);
      size = b.data.size();
    }
    if (urgent || size >= kWriteAt || !running_.load(std::memory_order_relaxed)) {
      flush_all();
    } else if (size >= kWakeAt && !wake_.exchange(true, std::memory_order_relaxed)) {
      cv_.notify_one();
    }
  }

  void start() {
    std::lock_guard lk(mu_);
    if (flusher_.joinable()) return;
    stopping_ = false;
    running_ = true;
    flusher_ = std::thread([this] {
      name_this_thread("cl-log");
      run();
    });
  }

  void stop() {
    {
      std::lock_guard lk(mu_);
      if (!flusher_.joinable()) return;
      stopping_ = true;
      running_ = false;
    }
    cv_.notify_one();
    flusher_.join();
    flush_all();
  }

  void flush_all() {
    std::lock_guard w(write_mu_);
    std::vector<Buffer*> buffers;
    {
      std::lock_guard lk(registry_mu_);
      for (auto& b : buffers_) buffers.push_back(b.get());
    }
    for (Buffer* b : buffers) {
      {
        // Swapped, not copied: the thread goes on appending into the emptied spare.
        std::lock_guard blk(b->mu);
        if (b->data.empty()) continue;
        b->data.swap(b->spare);
      }
      write_all(STDOUT_FILENO, b->spare);
      b->spare.clear();
      if (b->spare.capacity() > kWriteAt) std::string().swap(b->spare);
    }
  }

 private:
  struct Buffer {
    std::mutex mu;
    std::string data;   // appended to by its thread
    std::string spare;  // being written by the flusher (under write_mu_)
  };

  // Buffers live as long as the process: the output is never destroyed, so a thread ending
  // leaves its buffer for the flusher.
  Buffer& mine() {
    thread_local Buffer* b = nullptr;
    if (!b) {
      std::lock_guard lk(registry_mu_);
      b = buffers_.emplace_back(std::make_unique<Buffer>()).get();
    }
    return *b;
  }

  void run() {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      cv_.wait_for(lk, kFlushEvery, [this] { return stopping_ || wake_.load(std::memory_order_relaxed); });
      wake_.store(false, std::memory_order_relaxed);
      lk.unlock();
      flush_all();
      lk.lock();
    }
  }

  std::mutex registry_mu_;  // taken once per thread, and by the flusher
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::mutex write_mu_;  // one writer of stdout at a time
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> running_{false};
  std::atomic<bool> wake_{false};
  std::thread flusher_;
};

Output& output() {
  static Output* o = new Output;  // never destroyed: threads may log until the process ends
  return *o;
}

void append_line(std::string& out, SystemTime t, std::string_view level, std::string_view message) {
  if (output().format == Format::Json) {
    out.append("{\"time\":\"");
    append_time(out, t);
    out.append("\",\"level\":\"");
    out.append(level);
    out.append("\",\"msg\":");
    append_json_string(out, message);
    out.append("}\n");
  } else {
    append_time(out, t);
    out.push_back(' ');
    out.append(level);
    out.push_back(' ');
    out.append(message);
    out.push_back('\n');
  }
}

// Routes every spdlog call through the output, in its format.
class Sink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& m) override {
    const std::string_view message(m.payload.data(), m.payload.size());
    output().append([&](std::string& out) { append_line(out, m.time, level_name(m.level), message); },
                    m.level >= spdlog::level::warn);
  }
  void flush() override { output().flush_all(); }
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
};

}  // namespace

void init(Format format, spdlog::level::level_enum level) {
  output().format = format;
  auto logger = std::make_shared<spdlog::logger>("connect-local", std::make_shared<Sink>());
  logger->set_level(level);
  spdlog::set_default_logger(logger);
  access_enabled.store(level <= spdlog::level::info, std::memory_order_relaxed);
  output().start();
}

void shutdown() { output().stop(); }

void say(std::string_view message) {
  output().append([&](std::string& out) { append_line(out, std::chrono::system_clock::now(), "info", message); }, true);
}

void access(const AccessRecord& r) {
  const auto now = std::chrono::system_clock::now();
  const auto us = static_cast<uint64_t>(r.seconds > 0 ? r.seconds * 1e6 : 0);  // integers format faster
  output().append(
      [&](std::string& out) {
        if (output().format == Format::Json) {
          out.append("{\"time\":\"");
          append_time(out, now);
          out.append("\",\"level\":\"info\",\"msg\":\"access\",\"request_id\":");
          append_json_string(out, r.request_id);
          out.append(",\"client\":");
          append_json_string(out, r.client);
          out.append(",\"account\":");
          if (r.account.empty())
            out.append("null");
          else
            append_json_string(out, r.account);
          out.append(",\"region\":");
          if (r.region.empty())
            out.append("null");
          else
            append_json_string(out, r.region);
          out.append(",\"operation\":");
          append_json_string(out, r.operation);
          out.append(",\"status\":");
          append_uint(out, r.status);
          out.append(",\"error\":");
          if (r.error.empty())
            out.append("null");
          else
            append_json_string(out, r.error);
          out.append(",\"latency_ms\":");
          append_uint(out, us / 1000);
          out.push_back('.');
          append_3digits(out, static_cast<unsigned>(us % 1000));
          out.append("}\n");
        } else {
          append_time(out, now);
          out.append(" info access request_id=");
          append_text_value(out, r.request_id);
          out.append(" client=");
          append_text_value(out, r.client);
          out.append(" account=");
          append_text_value(out, r.account);
          out.append(" region=");
          append_text_value(out, r.region);
          out.append(" operation=");
          append_text_value(out, r.operation);
          out.append(" status=");
          append_uint(out, r.status);
          out.append(" error=");
          append_text_value(out, r.error);
          out.append(" latency_ms=");
          append_uint(out, us / 1000);
          out.push_back('.');
          append_3digits(out, static_cast<unsigned>(us % 1000));
          out.push_back('\n');
        }
      },
      false);
}

}  // namespace cl::app::logging
