#include "app/gateway.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "app/cors.hpp"
#include "app/logging.hpp"
#include "app/sts.hpp"
#include "auth/authorize.hpp"
#include "common/arn.hpp"
#include "common/ids.hpp"
#include "protocol/rest_json.hpp"
#include "store/store.hpp"

namespace cl::app {

namespace {

constexpr const char* kRequestIdHeader = "x-amzn-RequestId";
// Bodies above this are verified and parsed on the worker pool (ordinary requests are < 4 KiB).
constexpr size_t kInlineBodyBytes = 64 * 1024;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Gateway::Gateway(const protocol::Model& model, const auth::Verifier& verifier, connect::Service& service,
                 admin::Admin& admin, Throttle* throttle, Metrics& metrics, WorkerPool& workers)
    : model_(model),
      router_(model),
      verifier_(verifier),
      service_(service),
      admin_(admin),
      throttle_(throttle),
      metrics_(metrics),
      workers_(workers) {}

http::Response Gateway::error(const AwsError& e, const std::string& request_id) const {
  http::Response r = protocol::error_response(model_, e);
  r.set_header(kRequestIdHeader, request_id);
  cors::add_response_headers(r);
  return r;
}

void Gateway::handle(http::Request&& request, http::Responder respond, bool off_io_thread) {
  if (!off_io_thread && request.body.size() > kInlineBodyBytes) {
    // Hashing, parsing and validating a large body takes milliseconds: not on an I/O thread,
    // where it would stall every other connection the thread serves.
    workers_.post([this, req = std::move(request), respond = std::move(respond)]() mutable {
      try {
        handle(std::move(req), respond, true);
      } catch (...) {  // nothing escapes a worker (a second response is ignored)
        respond(error(errors::internal(), fast_uuid()));
      }
    });
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  std::string request_id = fast_uuid();
  if (admin::Admin::handles(request.raw_path())) {
    if (request.method == "OPTIONS") {  // the admin API is never opened to other origins
      http::Response r;
      r.status = 403;
      r.set_header(kRequestIdHeader, request_id);
      respond(std::move(r));
      return;
    }
    workers_.post([this, req = std::move(request), respond = std::move(respond), request_id, started]() mutable {
      http::Response r = admin_.handle(req);
      r.set_header(kRequestIdHeader, request_id);
      const unsigned status = r.status;
      respond(std::move(r));
      if (logging::access_enabled.load(std::memory_order_relaxed))
        logging::access({request_id,
                         req.remote_address,
                         {},
                         {},
                         "admin:" + req.method + " " + std::string(req.raw_path()),
                         status,
                         {},
                         seconds_since(started)});
    });
    return;
  }

  if (request.method == "OPTIONS") {  // CORS preflight: answered without a signature
    http::Response r = cors::preflight(request);
    r.set_header(kRequestIdHeader, request_id);
    respond(std::move(r));
    if (logging::access_enabled.load(std::memory_order_relaxed))
      logging::access({request_id, request.remote_address, {}, {}, "preflight", 200, {}, seconds_since(started)});
    return;
  }
  if (sts::handles(request)) {
    sts::Outcome o = sts::handle(request, verifier_, wall_clock_ms(), request_id);
    cors::add_response_headers(o.response);
    const double seconds = seconds_since(started);
    metrics_.record_request(o.operation, o.code, seconds);
    const unsigned status = o.response.status;
    respond(std::move(o.response));
    if (logging::access_enabled.load(std::memory_order_relaxed))
      logging::access({request_id,
                       request.remote_address,
                       {},
                       {},
                       "sts:" + o.operation,
                       status,
                       o.code == "OK" ? std::string_view{} : std::string_view(o.code),
                       seconds});
    return;
  }

  RequestContext ctx;
  Value input;
  const protocol::Operation* op = nullptr;
  try {
    auth::Identity id = verifier_.verify(request, wall_clock_ms());
    ctx.account_id = id.account_id;  // known from here on, for the access log of a refused request
    ctx.region = id.region;
    protocol::RouteMatch match = router_.route(request.method, request.raw_path());
    op = match.operation;
    input = protocol::parse_input(match, request);
    protocol::validate_input(*op, input);
    auth::authorize(id, op->name, input);
    if (throttle_ && !throttle_->admit(id.account_id, id.region, op->name, wall_clock_ms()))
      errors::raise(errors::kThrottling, "Rate exceeded");
    ctx.operation = op->name;
    ctx.validation_error = op->validation_error_code();
  } catch (const AwsException& e) {
    spdlog::debug("{} {} {} -> {}", request_id, request.method, request.target, e.error().code);
    metrics_.record_request(op ? op->name : "Unrouted", e.error().code, seconds_since(started));
    http::Response r = error(e.error(), request_id);
    const unsigned status = r.status;
    respond(std::move(r));
    if (logging::access_enabled.load(std::memory_order_relaxed))
      logging::access({request_id, request.remote_address, ctx.account_id, ctx.region, op ? op->name : "-", status,
                       e.error().code, seconds_since(started)});
    return;
  }
  ctx.request_id = std::move(request_id);
  // One request in flight: built on the I/O thread, finished wherever the domain call completes.
  auto finish = [this, op, started, request_id = ctx.request_id, respond = std::move(respond),
                 client = request.remote_address, account = ctx.account_id,
                 region = ctx.region](const connect::Outcome& o) {
    http::Response r;
    std::string code = "OK";
    try {
      if (o.error) std::rethrow_exception(o.error);
      r.body = protocol::serialize_output(op->output, o.output);
      r.set_header("Content-Type", "application/json");
      r.set_header(kRequestIdHeader, request_id);
      cors::add_response_headers(r);
    } catch (const AwsException& e) {
      code = e.error().code;
      r = error(e.error(), request_id);
    } catch (const std::exception& e) {
      code = errors::kInternalService;
      spdlog::error("{} {} failed: {}", request_id, op->name, e.what());
      r = error(errors::internal("An internal error occurred. Request id: " + request_id), request_id);
    }
    spdlog::debug("{} {} -> {}", request_id, op->name, r.status);
    const double seconds = seconds_since(started);
    metrics_.record_request(op->name, code, seconds);
    const unsigned status = r.status;
    respond(std::move(r));
    if (logging::access_enabled.load(std::memory_order_relaxed))
      logging::access({request_id, client, account, region, op->name, status,
                       code == "OK" ? std::string_view() : std::string_view(code), seconds});
  };
  if (service_.local_reads()) {
    // Local reads are cheaper inline than the hop to a worker; writes are handed to the store and
    // answer once durable, so no thread waits for a commit.
    service_.execute(std::move(ctx), std::move(input), std::move(finish));
  } else {
    workers_.post([this, ctx = std::move(ctx), input = std::move(input), finish = std::move(finish)]() mutable {
      service_.execute(std::move(ctx), std::move(input), std::move(finish));
    });
  }
}

}  // namespace cl::app
