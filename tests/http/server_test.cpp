// The HTTP server over real loopback sockets: keep-alive, raw targets, limits, timeouts, shutdown.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/time_format.hpp"
#include "server_fixture.hpp"

namespace cl::http {
namespace {

using namespace cl::http::test;

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start(echo);
  Client c(port());
  for (int i = 0; i < 3; ++i) {
    std::string body = "n=" + std::to_string(i);
    ASSERT_TRUE(c.send("POST /phone-number/claim HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "POST /phone-number/claim\n" + body);
    EXPECT_FALSE(r->has("Connection"));
  }
  // Pipelined: two requests in one write come back in order.
  ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "GET /a\n");
  EXPECT_EQ(b->body, "GET /b\n");
  // Connection: close is honoured.
  ASSERT_TRUE(c.send("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto last = c.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAlive) {
  start(echo);
  {
    Client c(port());
    ASSERT_TRUE(c.send("GET /x HTTP/1.0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
  }
  Client c(port());
  ASSERT_TRUE(c.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("Connection"), "keep-alive");
  ASSERT_TRUE(c.send("GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "GET /y\n");
}

TEST_F(ServerTest, RawTargetIsPreserved) {
  std::mutex mu;
  std::string seen_target, seen_path, seen_query;
  start([&](Request&& req, Responder respond) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen_target = req.target;
      seen_path = std::string(req.raw_path());
      seen_query = std::string(req.raw_query());
    }
    respond(text("ok"));
  });
  const std::string path =
      "/tags/arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Aphone-number%2F11111111-2222-4333-8444-555555555555";
  const std::string query = "tagKeys=a+b&tagKeys=key%20with%20space&tagKeys=k%3Acolon%2Fslash&p=%2B1";
  Client c(port());
  ASSERT_TRUE(c.send("DELETE " + path + "?" + query + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen_target, path + "?" + query);
  EXPECT_EQ(seen_path, path);
  EXPECT_EQ(seen_query, query);
}

TEST_F(ServerTest, HeadersKeepWireOrderAndCase) {
  std::mutex mu;
  std::vector<Header> seen;
  std::string seen_body, seen_remote;
  start([&](Request&& req, Responder respond) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen = req.headers;
      seen_body = req.body;
      seen_remote = req.remote_address;
    }
    respond(text("ok"));
  });
  Client c(port());
  std::string body("{\"a\":\"\0\xff\"}", 11);
  ASSERT_TRUE(
      c.send("POST /x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-Amz-Date: 20261126T160108Z\r\n"
             "amz-sdk-invocation-id: abc\r\nAUTHORIZATION: AWS4-HMAC-SHA256 Credential=x\r\n"
             "x-dup: 1\r\nX-Dup: 2\r\nContent-Length: 11\r\n\r\n" +
             body));
  ASSERT_TRUE(c.read_response());
  std::lock_guard<std::mutex> lock(mu);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& h : seen) got.emplace_back(h.name, h.value);
  std::vector<std::pair<std::string, std::string>> want = {{"Host", "127.0.0.1:1"},
                                                           {"X-Amz-Date", "20261126T160108Z"},
                                                           {"amz-sdk-invocation-id", "abc"},
                                                           {"AUTHORIZATION", "AWS4-HMAC-SHA256 Credential=x"},
                                                           {"x-dup", "1"},
                                                           {"X-Dup", "2"},
                                                           {"Content-Length", "11"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(seen_body, body);
  EXPECT_EQ(seen_remote, "127.0.0.1");
}

TEST_F(ServerTest, EveryResponseHasDateContentLengthAndRequestId) {
  start([](Request&& req, Responder respond) {
    Response r = text("hello");
    if (req.target == "/own-id") r.set_header("x-amzn-RequestId", "my-id");
    r.set_header("Content-Length", "999");  // the server computes its own
    respond(std::move(r));
  });
  Client c(port());
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_TRUE(looks_like_http_date(r->header("Date"))) << r->header("Date");
  EXPECT_EQ(r->header("Date").substr(0, 17), http_date(static_cast<int64_t>(std::time(nullptr))).substr(0, 17));
  EXPECT_TRUE(is_uuid4(r->header("x-amzn-RequestId"))) << r->header("x-amzn-RequestId");
  EXPECT_EQ(r->header("Content-Length"), "5");
  EXPECT_EQ(r->body, "hello");
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_NE(r2->header("x-amzn-RequestId"), r->header("x-amzn-RequestId"));
  ASSERT_TRUE(c.send("GET /own-id HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r3 = c.read_response();
  ASSERT_TRUE(r3);
  int ids = 0;
  for (const auto& h : r3->headers) ids += iequals(h.name, "x-amzn-RequestId");
  EXPECT_EQ(ids, 1);
  EXPECT_EQ(r3->header("x-amzn-RequestId"), "my-id");
  // HEAD: Content-Length of the body, no body bytes.
  ASSERT_TRUE(c.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.read_response(3000ms, /*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "5");
  // No body bytes followed the HEAD response: the next one starts right after its header.
  auto after = c.read_response();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, "hello");
}

TEST_F(ServerTest, ResponderCalledLaterFromAnotherThread) {
  std::mutex mu;
  start([&](Request&& req, Responder respond) {
    std::lock_guard<std::mutex> lock(mu);
    workers_.emplace_back([target = req.target, respond = std::move(respond)] {
      std::this_thread::sleep_for(50ms);
      respond(text("late " + target));
      respond(text("second call is ignored"));
    });
  });
  Client c(port());
  const auto t0 = SteadyClock::now();
  ASSERT_TRUE(c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_GE(SteadyClock::now() - t0, 45ms);
  EXPECT_EQ(r->body, "late /one");
  ASSERT_TRUE(c.send("GET /two HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "late /two");
}

TEST_F(ServerTest, ResponderToleratesClosedConnection) {
  std::promise<Responder> got;
  start([&](Request&&, Responder respond) { got.set_value(std::move(respond)); });
  {
    Client c(port());
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    // The client goes away before the response exists.
  }
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  Responder respond = future.get();
  std::this_thread::sleep_for(20ms);
  respond(text("nobody listens"));
  // The server is still fine.
  server_->stop();
  EXPECT_EQ(run_done_.wait_for(3s), std::future_status::ready);
}

TEST_F(ServerTest, BodyOverLimitGets413AndClose) {
  std::atomic<int> calls{0};
  start([&](Request&&, Responder respond) {
    ++calls;
    respond(text("ok"));
  });
  {
    // Announced too large: rejected from the header, before the body is read.
    Client c(port());
    const size_t len = 1024 * 1024 + 1;
    ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(len) + "\r\n\r\n"));
    c.send(std::string(len, 'a'));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 413, "RequestEntityTooLargeException")) << r->status << " " << r->body;
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    // Chunked, growing past the limit.
    Client c(port());
    ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string chunk(256 * 1024, 'b');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    for (int i = 0; i < 5; ++i)
      if (!c.send(size_line + chunk + "\r\n")) break;
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 413, "RequestEntityTooLargeException"));
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    // Exactly at the limit is fine.
    Client c(port());
    const size_t len = 1024 * 1024;
    ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(len) + "\r\n\r\n" +
                       std::string(len, 'a')));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ServerTest, ChunkedBodyAndExpectContinue) {
  start(echo);
  Client c(port());
  ASSERT_TRUE(c.send(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST /c\nhello world");

  ASSERT_TRUE(c.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("body"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "PUT /e\nbody");

  // Expect with an oversized body: 413 straight away, no 100.
  ASSERT_TRUE(c.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, UnsupportedTransferEncodingIsRejected) {
  start(echo);
  {
    Client c(port());
    ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nxyz"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 400, "BadRequestException")) << r->status;
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(port());
    ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 501, "NotImplementedException")) << r->status;
  }
  {
    Client c(port());
    ASSERT_TRUE(
        c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 400, "BadRequestException")) << r->status;
  }
}

TEST_F(ServerTest, OversizedHeadersAndRequestLineGet4xxJson) {
  Limits limits;
  limits.max_header_count = 20;
  limits.max_request_line = 1024;
  limits.max_header_bytes = 8 * 1024;
  start(echo, limits);
  {
    Client c(port());
    std::string req = "GET /x HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 30; ++i) req += "X-H" + std::to_string(i) + ": v\r\n";
    ASSERT_TRUE(c.send(req + "\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 431, "BadRequestException")) << r->status << r->body;
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(port());
    ASSERT_TRUE(c.send("GET /" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 400, "BadRequestException")) << r->status << r->body;
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    // A request line that never ends is cut off once it passes the limit.
    Client c(port());
    ASSERT_TRUE(c.send("GET /" + std::string(3000, 'a')));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 400, "BadRequestException")) << r->status << r->body;
  }
  {
    Client c(port());
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'v') + "\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 431, "BadRequestException")) << r->status << r->body;
  }
  {
    // Just under the limits is served.
    Client c(port());
    std::string req = "GET /x HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 19; ++i) req += "X-H" + std::to_string(i) + ": v\r\n";
    ASSERT_TRUE(c.send(req + "\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

TEST_F(ServerTest, MalformedRequestGets400) {
  start(echo);
  for (const char* bad : {"GARBAGE\r\n\r\n", "GET /x HTTP/2.0\r\nHost: x\r\n\r\n",
                          "GET /x HTTP/1.1\r\nBad Header\r\n\r\n", "GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                          "GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    Client c(port());
    ASSERT_TRUE(c.send(bad));
    auto r = c.read_response();
    ASSERT_TRUE(r) << bad;
    EXPECT_TRUE(is_error(*r, 400, "BadRequestException")) << bad << " -> " << r->status;
    EXPECT_TRUE(c.closed_by_peer()) << bad;
  }
}

TEST_F(ServerTest, SlowHeadersAreCutOffWith408) {
  Limits limits;
  limits.header_timeout = 200ms;
  limits.body_timeout = 200ms;
  start(echo, limits);
  {
    Client c(port());
    const auto t0 = SteadyClock::now();
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n"));
    auto r = c.read_response(2000ms);
    const auto elapsed = SteadyClock::now() - t0;
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 408, "RequestTimeoutException")) << r->status;
    EXPECT_GE(elapsed, 180ms);
    EXPECT_LT(elapsed, 1000ms);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    // Slow body.
    Client c(port());
    const auto t0 = SteadyClock::now();
    ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    auto r = c.read_response(2000ms);
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_error(*r, 408, "RequestTimeoutException")) << r->status;
    EXPECT_LT(SteadyClock::now() - t0, 1000ms);
  }
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  Limits limits;
  limits.idle_timeout = 150ms;
  start(echo, limits);
  Client c(port());
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  const auto t0 = SteadyClock::now();
  EXPECT_TRUE(c.closed_by_peer(2000ms));
  EXPECT_GE(SteadyClock::now() - t0, 100ms);
  EXPECT_TRUE(c.pending().empty());  // closed silently
}

TEST_F(ServerTest, HandlerThrowingGets500AndServingContinues) {
  start([](Request&& req, Responder respond) {
    if (req.target == "/boom") throw std::runtime_error("boom");
    respond(text("fine"));
  });
  Client c(port());
  ASSERT_TRUE(c.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_TRUE(is_error(*r, 500, "InternalServiceException")) << r->status;
  ASSERT_TRUE(c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "fine");
}

TEST_F(ServerTest, GracefulStopCompletesInFlightRequest) {
  std::mutex mu;
  start([&](Request&& req, Responder respond) {
    if (req.target != "/slow") return respond(text("warm"));
    std::lock_guard<std::mutex> lock(mu);
    workers_.emplace_back([respond = std::move(respond)] {
      std::this_thread::sleep_for(300ms);
      respond(text("done"));
    });
  });
  Client idle(port());  // an idle keep-alive connection is closed by stop()
  ASSERT_TRUE(idle.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto warm = idle.read_response();
  ASSERT_TRUE(warm);
  Client busy(port());
  ASSERT_TRUE(busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));

  std::this_thread::sleep_for(100ms);
  const auto t0 = SteadyClock::now();
  server_->stop();
  server_->stop();  // idempotent
  EXPECT_TRUE(idle.closed_by_peer(1000ms));
  auto r = busy.read_response(2000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_EQ(run_done_.wait_for(2s), std::future_status::ready);
  EXPECT_LT(SteadyClock::now() - t0, 1500ms);
  // No new connections after stop.
  std::this_thread::sleep_for(10ms);
  bool refused = false;
  try {
    Client late(port());
    refused = !late.send("GET / HTTP/1.1\r\n\r\n") || !late.read_response(500ms);
  } catch (const std::exception&) {
    refused = true;
  }
  EXPECT_TRUE(refused);
}

TEST_F(ServerTest, StopGraceBoundsAHandlerThatNeverResponds) {
  Limits limits;
  limits.shutdown_grace = 200ms;
  std::promise<Responder> kept;
  start([&](Request&&, Responder respond) { kept.set_value(std::move(respond)); }, limits);
  Client c(port());
  ASSERT_TRUE(c.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto future = kept.get_future();
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  Responder respond = future.get();
  const auto t0 = SteadyClock::now();
  server_->stop();
  EXPECT_EQ(run_done_.wait_for(2s), std::future_status::ready);
  EXPECT_GE(SteadyClock::now() - t0, 150ms);
  EXPECT_TRUE(c.closed_by_peer(1000ms));
  server_.reset();            // the server is gone...
  respond(text("too late"));  // ...and a late response is harmless
  run_done_.get();
}

TEST_F(ServerTest, ManyConnectionsAcrossThreads) {
  start(echo, {}, 3);
  constexpr int kClients = 8, kRequests = 50;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] {
      Client c(port());
      for (int j = 0; j < kRequests; ++j) {
        std::string target = "/c" + std::to_string(i) + "/r" + std::to_string(j);
        if (!c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")) return;
        auto r = c.read_response();
        if (r && r->body == "GET " + target + "\n") ++ok;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_F(ServerTest, HandlerCanAskToCloseTheConnection) {
  start([](Request&&, Responder respond) {
    Response r = text("bye");
    r.set_header("Connection", "close");
    respond(std::move(r));
  });
  Client c(port());
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "bye");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(ServerSignals, SigtermStopsTheServer) {
  ServerConfig config;
  config.port = 0;
  Server s(config, echo);
  s.stop_on_signals();
  auto done = std::async(std::launch::async, [&] { s.run(); });
  {
    Client c(s.port());
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c.read_response());
  }
  std::raise(SIGTERM);
  EXPECT_EQ(done.wait_for(3s), std::future_status::ready);
}

TEST(ServerBind, PortInUseThrows) {
  ServerConfig config;
  config.port = 0;
  Server first(config, echo);
  config.port = first.port();
  EXPECT_NE(config.port, 0);
  try {
    Server second(config, echo);
    FAIL() << "second bind succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(config.port)), std::string::npos) << e.what();
  }
}

TEST(ServerBind, StopBeforeRunReturnsImmediately) {
  ServerConfig config;
  config.port = 0;
  Server s(config, echo);
  s.stop();
  auto done = std::async(std::launch::async, [&] { s.run(); });
  EXPECT_EQ(done.wait_for(2s), std::future_status::ready);
}

}  // namespace
}  // namespace cl::http
