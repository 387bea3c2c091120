// A load generator that signs every request with SigV4 (as the SDKs do) and keeps N keep-alive
// connections busy for a fixed time; prints requests/s, latency percentiles and the status mix.
//
//   loadgen --port P --connections 64 --seconds 10 --op claim --instance ID[,ID...] --number-base 15550000000
//   loadgen --port P --connections 32 --seconds 10 --op search --instance ID [--country US --type DID]
//   loadgen --port P --connections 32 --seconds 10 --op describe-phone --phone-id ID
//   loadgen --port P --connections 4 --seconds 10 --op deep-json|big-json --instance ID [--body-bytes N]
//   loadgen --port P --connections 32 --seconds 10 --op raw --method POST --path /tags/ARN --body JSON
//     (any operation: the path as sent on the wire, already percent-encoded; also for other servers)
//     (hostile but validly signed: a body of N bytes nested N/2 levels deep, or N bytes of flat tags)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "auth/sigv4.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/time_format.hpp"
#include "http/message.hpp"

namespace {

struct Options {
  int port = 4570;
  int connections = 32;
  double seconds = 10;
  std::string op = "search";
  std::string instance;
  std::string phone_id;
  std::string method = "GET", path = "/", body;
  std::string country = "US", type = "DID";
  long long number_base = 15550000000LL;
  size_t body_bytes = 1024 * 1024;
  std::string region = "us-east-1", key = "test", secret = "test";
};

struct Outcome {
  std::vector<double> latencies_ms;
  std::map<int, long> statuses;
  long reconnects = 0;
};

std::atomic<long long> g_next_number{0};

cl::http::Request build(const Options& o, std::mt19937_64& rng) {
  cl::http::Request r;
  if (o.op == "claim") {
    r.method = "POST";
    r.target = "/phone-number/claim";
    // --instance may list several ids (a,b,c): claims go to them in turn.
    static const std::vector<std::string> instances = [&] {
      std::vector<std::string> v;
      for (size_t start = 0;;) {
        const size_t comma = o.instance.find(',', start);
        v.push_back(o.instance.substr(start, comma - start));
        if (comma == std::string::npos) return v;
        start = comma + 1;
      }
    }();
    const long long n = g_next_number++;
    r.body = R"({"PhoneNumber":"+)" + std::to_string(o.number_base + n) + R"(","InstanceId":")" +
             instances[static_cast<size_t>(n) % instances.size()] + "\"}";
  } else if (o.op == "search") {
    r.method = "POST";
    r.target = "/phone-number/search-available";
    r.body = R"({"PhoneNumberCountryCode":")" + o.country + R"(","PhoneNumberType":")" + o.type +
             R"(","InstanceId":")" + o.instance + R"(","MaxResults":10)" +
             (rng() % 2 ? "" : R"(,"PhoneNumberPrefix":"+1206555)" + std::to_string(rng() % 10) + "\"") + "}";
  } else if (o.op == "raw") {
    r.method = o.method;
    r.target = o.path;
    r.body = o.body;
  } else if (o.op == "deep-json" || o.op == "big-json") {
    static const std::string body = [&] {
      std::string b = R"({"InstanceId":")" + o.instance + R"(","PhoneNumber":"+15550000000","Tags":)";
      const size_t room = o.body_bytes > b.size() + 2 ? o.body_bytes - b.size() - 2 : 0;  // body_bytes in all
      if (o.op == "deep-json") {
        b += std::string(room / 2, '[') + std::string(room / 2, ']');
      } else {
        b += "{";
        for (int i = 0;; ++i) {
          std::string member = (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"value\"";
          if (b.size() + member.size() + 2 > o.body_bytes) break;
          b += member;
        }
        b += "}";
      }
      return b + "}";
    }();
    r.method = "POST";
    r.target = "/phone-number/claim";
    r.body = body;
  } else {
    r.method = "GET";
    r.target = "/phone-number/" + o.phone_id;
  }
  return r;
}

std::string sign_and_serialize(const Options& o, cl::http::Request& r, const cl::crypto::Digest& key,
                               const std::string& date, const std::string& host) {
  std::string amz_date = cl::amz_date(cl::wall_clock_ms());
  r.headers = {{"Host", host}, {"X-Amz-Date", amz_date}};
  std::string signed_headers = "host;x-amz-date";
  if (!r.body.empty()) {
    r.headers.insert(r.headers.begin(), {"Content-Type", "application/json"});
    signed_headers = "content-type;host;x-amz-date";
  }
  std::string payload = cl::crypto::hex(cl::crypto::sha256(r.body));
  std::string canonical = cl::auth::canonical_request(r, signed_headers, payload);
  std::string scope = cl::auth::credential_scope(amz_date.substr(0, 8), o.region, "connect");
  std::string sts = cl::auth::string_to_sign(amz_date, scope, canonical);
  std::string sig = cl::auth::signature(key, sts);
  (void)date;
  std::string out = r.method + " " + r.target + " HTTP/1.1\r\n";
  for (const auto& h : r.headers) out += h.name + ": " + h.value + "\r\n";
  out += "Authorization: AWS4-HMAC-SHA256 Credential=" + o.key + "/" + scope + ", SignedHeaders=" + signed_headers +
         ", Signature=" + sig + "\r\n";
  if (!r.body.empty()) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += "\r\n" + r.body;
  return out;
}

// Reads one response; returns its status or -1 on a broken connection (or no answer within the
// receive timeout). `closing` tells whether the server announced it closes the connection.
int read_response(int fd, std::string& buf, bool& closing) {
  for (;;) {
    size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      int status = std::atoi(buf.c_str() + 9);
      size_t cl = 0;
      const char* p = strcasestr(buf.c_str(), "\r\ncontent-length:");
      if (p && static_cast<size_t>(p - buf.c_str()) < end) cl = std::strtoul(p + 17, nullptr, 10);
      const char* c = strcasestr(buf.c_str(), "\r\nconnection: close");
      closing = c && static_cast<size_t>(c - buf.c_str()) < end;
      if (buf.size() >= end + 4 + cl) {
        buf.erase(0, end + 4 + cl);
        return status;
      }
    }
    char tmp[16384];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval timeout{10, 0};  // a server that never answers ends the run instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

void worker(const Options& o, std::chrono::steady_clock::time_point deadline, Outcome& out, int seed) {
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  const std::string host = "127.0.0.1:" + std::to_string(o.port);
  std::string date = cl::amz_date(cl::wall_clock_ms()).substr(0, 8);
  auto key = cl::auth::signing_key(o.secret, date, o.region, "connect");
  int fd = connect_to(o.port);
  std::string buf;
  while (fd >= 0 && std::chrono::steady_clock::now() < deadline) {
    cl::http::Request r = build(o, rng);
    std::string wire = sign_and_serialize(o, r, key, date, host);
    auto start = std::chrono::steady_clock::now();
    if (::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(wire.size())) break;
    bool closing = false;
    int status = read_response(fd, buf, closing);
    if (status < 0) {
      // Count the broken connection and carry on with a new one: the figures say what a client
      // that retries would see.
      out.statuses[-1]++;
      ::close(fd);
      buf.clear();
      fd = connect_to(o.port);
      continue;
    }
    out.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    out.statuses[status]++;
    if (closing) {
      // The server closes after this response (no keep-alive): a client opens a new connection,
      // as the SDKs do. Counted apart, not as a failure.
      out.reconnects++;
      ::close(fd);
      buf.clear();
      fd = connect_to(o.port);
    }
  }
  if (fd >= 0) ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      o.port = std::stoi(v);
    else if (k == "--connections")
      o.connections = std::stoi(v);
    else if (k == "--seconds")
      o.seconds = std::stod(v);
    else if (k == "--op")
      o.op = v;
    else if (k == "--instance")
      o.instance = v;
    else if (k == "--phone-id")
      o.phone_id = v;
    else if (k == "--method")
      o.method = v;
    else if (k == "--path")
      o.path = v;
    else if (k == "--body")
      o.body = v;
    else if (k == "--country")
      o.country = v;
    else if (k == "--type")
      o.type = v;
    else if (k == "--number-base")
      o.number_base = std::stoll(v);
    else if (k == "--region")
      o.region = v;
    else if (k == "--body-bytes")
      o.body_bytes = std::stoul(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::vector<Outcome> outcomes(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  auto deadline =
      start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(o.seconds));
  for (int i = 0; i < o.connections; ++i)
    threads.emplace_back(worker, std::cref(o), deadline, std::ref(outcomes[static_cast<size_t>(i)]), i + 1);
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  std::map<int, long> statuses;
  long reconnects = 0;
  for (auto& oc : outcomes) {
    reconnects += oc.reconnects;
    all.insert(all.end(), oc.latencies_ms.begin(), oc.latencies_ms.end());
    for (auto [s, n] : oc.statuses) statuses[s] += n;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))];
  };
  std::printf("op=%s connections=%d requests=%zu seconds=%.1f rps=%.0f p50=%.2fms p99=%.2fms max=%.2fms statuses=",
              o.op.c_str(), o.connections, all.size(), elapsed, static_cast<double>(all.size()) / elapsed, pct(0.5),
              pct(0.99), all.empty() ? 0.0 : all.back());
  for (auto [s, n] : statuses) std::printf("%d:%ld ", s, n);
  if (reconnects) std::printf("closed-by-server=%ld", reconnects);
  std::printf("\n");
  return 0;
}
