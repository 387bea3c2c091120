// The HTTP server against hostile clients (SPEC §11): every line it buffers is bounded, framing
// that RFC 9112 refuses is refused with a clean 4xx and a close, and a connection flood cannot lock
// a well-behaved client out.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "server_fixture.hpp"

namespace cl::http {
namespace {

using namespace cl::http::test;

const std::string kChunkedPost = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

class HostileClientTest : public ServerTest {
 protected:
  // Sends `raw`, expects one error response with `status` and the connection closed after it.
  void expect_refused(const std::string& raw, int status = 400, std::string_view code = "BadRequestException") {
    Client c(port());
    c.send(raw);  // the server may close before all of it is sent
    auto r = c.read_response();
    ASSERT_TRUE(r) << "no response to: " << raw.substr(0, 120);
    EXPECT_TRUE(is_error(*r, status, code)) << raw.substr(0, 120) << " -> " << r->status << " " << r->body;
    EXPECT_TRUE(c.closed_by_peer()) << raw.substr(0, 120);
  }

  // A fresh client can still be served.
  void expect_served() {
    Client c(port());
    ASSERT_TRUE(c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
};

// ---- chunked framing ----------------------------------------------------------------------------

TEST_F(HostileClientTest, ChunkExtensionThatNeverEndsIsCutOff) {
  start(echo);
  Client c(port());
  ASSERT_TRUE(c.send(kChunkedPost + "5;ext="));
  // Far more than any limit, sent in pieces so the server sees a line that keeps growing.
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i) refused = !c.send(std::string(16 * 1024, 'e'));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_TRUE(is_error(*r, 400, "BadRequestException")) << r->status << r->body;
  EXPECT_NE(r->body.find("Chunk-size line too long"), std::string::npos) << r->body;
  EXPECT_TRUE(c.closed_by_peer());
  expect_served();
}

TEST_F(HostileClientTest, ChunkSizeLineOfZerosIsCutOff) {
  start(echo);
  expect_refused(kChunkedPost + std::string(64 * 1024, '0'));
  expect_refused(kChunkedPost + std::string(8 * 1024, '0') + "5\r\nhello\r\n0\r\n\r\n");
}

TEST_F(HostileClientTest, TrailerThatNeverEndsIsCutOff) {
  start(echo);
  expect_refused(kChunkedPost + "5\r\nhello\r\n0\r\nX-Trailer: " + std::string(64 * 1024, 'v'));
  // Many small trailer fields, never terminated.
  std::string many = kChunkedPost + "0\r\n";
  while (many.size() < 64 * 1024) many += "T: v\r\n";
  expect_refused(many);
}

TEST_F(HostileClientTest, TrailerFieldsAreCountedAndNotMergedIntoHeaders) {
  std::atomic<size_t> headers_seen{0};
  start([&](Request&& req, Responder respond) {
    headers_seen = req.headers.size();
    respond(text(req.body));
  });
  {
    std::string req = kChunkedPost + "5\r\nhello\r\n0\r\n";
    for (int i = 0; i < 33; ++i) req += "T" + std::to_string(i) + ": v\r\n";
    expect_refused(req + "\r\n");
  }
  // A few trailers are fine, and do not become headers (Host, Transfer-Encoding only).
  Client c(port());
  ASSERT_TRUE(c.send(kChunkedPost + "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nAuthorization: evil\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(headers_seen.load(), 2u);
}

TEST_F(HostileClientTest, TotalFramingOverheadIsBounded) {
  start(echo);
  // Each chunk line is under the line limit; together they pass the per-request framing limit.
  std::string req = kChunkedPost;
  const std::string ext(2000, 'e');
  for (int i = 0; i < 40; ++i) req += "1;" + ext + "\r\na\r\n";
  req += "0\r\n\r\n";
  expect_refused(req);
  // Ordinary chunk extensions pass.
  Client c(port());
  ASSERT_TRUE(c.send(kChunkedPost + "5;name=value\r\nhello\r\n6;a=\"q s\"\r\n world\r\n0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /c\nhello world");
}

TEST_F(HostileClientTest, MalformedChunkFramingIsRefused) {
  start(echo);
  for (const char* bad : {"zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n", "5 ;\x01\r\nhello\r\n0\r\n\r\n",
                          "-5\r\nhello\r\n0\r\n\r\n", "fffffffffffffffffffff\r\n"})
    expect_refused(kChunkedPost + bad);
  // A chunk larger than the body limit is refused on its size line.
  expect_refused(kChunkedPost + "200000\r\n", 413, "RequestEntityTooLargeException");
}

// ---- RFC 9112 header rules ----------------------------------------------------------------------

TEST_F(HostileClientTest, HostIsRequiredOnceInHttp11) {
  start(echo);
  expect_refused("GET /x HTTP/1.1\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  // HTTP/1.0 may omit it.
  Client c(port());
  ASSERT_TRUE(c.send("GET /x HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HostileClientTest, ObsFoldAndBareLineEndingsAreRefused) {
  start(echo);
  expect_refused("GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\nHost: x\n\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: x\nX-A: a\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: x\rX-A: a\r\n\r\n");
  // A body that starts with a space is not a folded line.
  Client c(port());
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n  a"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST /x\n  a");
}

TEST_F(HostileClientTest, InvalidHeaderNamesAndValuesAreRefused) {
  start(echo);
  expect_refused("GET /x HTTP/1.1\r\nHost: x\r\nX A: v\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: x\r\nX(A): v\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: x\r\nX-A : v\r\n\r\n");
  expect_refused(std::string("GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 42));
  expect_refused(
      "GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\x01"
      "b\r\n\r\n");
  expect_refused("GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\x7f\r\n\r\n");
  // obs-text (bytes above 0x7f) is allowed by RFC 9110.
  Client c(port());
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\nX-A: caf\xc3\xa9\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HostileClientTest, SmugglingAttemptsAreRefused) {
  start(echo);
  // Content-Length and Transfer-Encoding together, in either order.
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n");
  // Conflicting or malformed Content-Length.
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc");
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 30\r\n\r\nabc");
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc");
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\nabc");
  // Obfuscated Transfer-Encoding.
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n");
  expect_refused("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n");
  // The request smuggled behind a refused one is never served: the connection closes first.
  Client c(port());
  ASSERT_TRUE(
      c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
             "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(c.pending().find("smuggled"), std::string::npos);
}

TEST_F(HostileClientTest, RequestTargetForms) {
  std::string host_seen;
  start([&](Request&& req, Responder respond) {
    host_seen = std::string(req.header("Host"));
    respond(text(req.target));
  });
  {
    // Absolute-form (RFC 9112 3.2.2): the target becomes origin-form, its authority the Host.
    Client c(port());
    ASSERT_TRUE(c.send("GET http://example.com:4570/instance/x?a=1 HTTP/1.1\r\nHost: other\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "/instance/x?a=1");
    EXPECT_EQ(host_seen, "example.com:4570");
    ASSERT_TRUE(c.send("GET HTTP://example.com?q HTTP/1.1\r\nHost: x\r\n\r\n"));
    r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "/?q");
  }
  expect_refused("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n");
  expect_refused("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused("GET http:///x HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused("GET http://user@evil/x HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused("GET ftp://x/y HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST_F(HostileClientTest, RequestLinesWithExtraSpacesAreRefused) {
  start(echo);
  expect_refused("GET  /x HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused("GET /x  HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused("GET /x HTTP/1.1 \r\nHost: x\r\n\r\n");
  expect_refused(" GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_refused("GET\t/x HTTP/1.1\r\nHost: x\r\n\r\n");
}

// ---- connections --------------------------------------------------------------------------------

TEST_F(HostileClientTest, AtTheCapTheOldestIdleConnectionMakesRoom) {
  start(echo, {}, 2, /*max_connections=*/4, /*max_per_client=*/4);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<Client>(port()));
    // A completed request makes each one a keep-alive connection; the first is the oldest.
    ASSERT_TRUE(idle.back()->send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(idle.back()->read_response());
    std::this_thread::sleep_for(5ms);
  }
  // A well-behaved newcomer is served, and the oldest idle connection was closed for it.
  Client fresh(port());
  ASSERT_TRUE(fresh.send("GET /new HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = fresh.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(idle[0]->closed_by_peer(1000ms));
  EXPECT_FALSE(idle[3]->closed_by_peer(100ms));
}

TEST_F(HostileClientTest, AFloodOfSilentConnectionsDoesNotLockOutANewClient) {
  start(echo, {}, 2, 8, 8);
  std::vector<std::unique_ptr<Client>> flood;
  for (int i = 0; i < 40; ++i) flood.push_back(std::make_unique<Client>(port()));
  std::this_thread::sleep_for(50ms);
  for (int attempt = 0; attempt < 3; ++attempt) expect_served();
}

TEST_F(HostileClientTest, OverTheCapWithNothingIdleGets503) {
  // Four connections each halfway through a request header: nothing idle to close.
  start(echo, {}, 2, 4, 4);
  std::vector<std::unique_ptr<Client>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(busy.back()->send("GET /slow HTTP/1.1\r\n"));
  }
  std::this_thread::sleep_for(50ms);
  Client c(port());
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_TRUE(is_error(*r, 503, "ServiceUnavailableException")) << r->status << r->body;
  EXPECT_TRUE(c.closed_by_peer());
  // Once one finishes, there is room again.
  ASSERT_TRUE(busy[0]->send("Host: x\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(busy[0]->read_response());
  ASSERT_TRUE(busy[0]->closed_by_peer());
  std::this_thread::sleep_for(20ms);
  expect_served();
}

TEST_F(HostileClientTest, PerClientCapClosesThatClientsOwnIdleConnections) {
  start(echo, {}, 2, 100, 3);
  std::vector<std::unique_ptr<Client>> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(std::make_unique<Client>(port()));
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(20ms);
  expect_served();
  EXPECT_TRUE(mine[0]->closed_by_peer(1000ms));
}

TEST_F(HostileClientTest, PipeliningWithoutReadingStaysBounded) {
  Limits limits;
  limits.idle_timeout = 300ms;
  start(echo, limits);
  Client c(port());
  std::string burst;
  for (int i = 0; i < 2000; ++i) burst += "GET /p HTTP/1.1\r\nHost: x\r\n\r\n";
  // Never reads: the server stops reading once its writes block, then drops the connection.
  for (int i = 0; i < 20; ++i)
    if (!c.send(burst)) break;
  expect_served();
}

TEST(ServerErrorRenderer, WithoutOneErrorsArePlainText) {
  ServerConfig config;
  config.port = 0;
  Server s(config, echo);
  auto done = std::async(std::launch::async, [&] { s.run(); });
  {
    Client c(s.port());
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r->body, "Missing Host header\n");
  }
  s.stop();
  EXPECT_EQ(done.wait_for(3s), std::future_status::ready);
}

TEST(ServerConnectionCap, DerivedFromTheDescriptorLimit) {
  const size_t cap = default_max_connections();
  rlimit rl{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur != RLIM_INFINITY) {
    EXPECT_LT(cap, rl.rlim_cur);
    EXPECT_GE(cap, rl.rlim_cur / 2);
  }
}

}  // namespace
}  // namespace cl::http
