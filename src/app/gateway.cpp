#include "app/gateway.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "app/cors.hpp"
#include "app/sts.hpp"
#include "common/arn.hpp"
#include "common/ids.hpp"
#include "protocol/rest_json.hpp"
#include "store/store.hpp"

namespace cl::app {

namespace {

constexpr const char* kRequestIdHeader = "x-amzn-RequestId";

// The resource a policy statement is matched against: the ARN the request names (a bare id in
// its ARN form), else "*".
std::string policy_resource(const Value& input, const auth::Identity& id) {
  using ArnOf = std::string (*)(std::string_view, std::string_view, std::string_view);
  static constexpr std::pair<const char*, ArnOf> kMembers[] = {
      {"resourceArn", nullptr},
      {"TargetArn", nullptr},
      {"PhoneNumberId", &arn::phone_number},
      {"TrafficDistributionGroupId", &arn::traffic_distribution_group},
      {"InstanceId", &arn::instance},
  };
  for (const auto& [member, arn_of] : kMembers)
    if (auto v = input.opt_string(member))
      return v->rfind("arn:", 0) == 0 || !arn_of ? *v : arn_of(id.region, id.account_id, *v);
  return "*";
}

void check_policy(const auth::Identity& id, const std::string& operation, const Value& input) {
  if (!id.credential || !id.credential->policy) return;
  const std::string action = "connect:" + operation;
  const std::string resource = policy_resource(input, id);
  if (!id.credential->policy->allows(action, resource))
    errors::raise(errors::kAccessDenied, "User: arn:aws:iam::" + id.account_id + ":user/" + id.access_key_id +
                                             " is not authorized to perform: " + action + " on resource: " + resource);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Gateway::Gateway(const protocol::Model& model, const auth::Verifier& verifier, connect::Service& service,
                 admin::Admin& admin, connect::FaultRules& faults, Throttle* throttle, Metrics& metrics,
                 const Clock& clock, WorkerPool& workers)
    : model_(model),
      router_(model),
      verifier_(verifier),
      service_(service),
      admin_(admin),
      faults_(faults),
      throttle_(throttle),
      metrics_(metrics),
      clock_(clock),
      workers_(workers) {}

http::Response Gateway::error(const AwsError& e, const std::string& request_id) const {
  http::Response r = protocol::error_response(model_, e);
  r.set_header(kRequestIdHeader, request_id);
  cors::add_response_headers(r);
  return r;
}

void Gateway::handle(http::Request&& request, http::Responder respond) {
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
    workers_.post([this, req = std::move(request), respond = std::move(respond), request_id]() mutable {
      http::Response r = admin_.handle(req);
      r.set_header(kRequestIdHeader, request_id);
      respond(std::move(r));
    });
    return;
  }

  if (request.method == "OPTIONS") {  // CORS preflight: answered without a signature
    http::Response r = cors::preflight(request);
    r.set_header(kRequestIdHeader, request_id);
    respond(std::move(r));
    return;
  }
  if (sts::handles(request)) {
    sts::Outcome o = sts::handle(request, verifier_, wall_clock_ms(), request_id);
    cors::add_response_headers(o.response);
    metrics_.record_request(o.operation, o.code, seconds_since(started));
    respond(std::move(o.response));
    return;
  }

  RequestContext ctx;
  Value input;
  const protocol::Operation* op = nullptr;
  try {
    auth::Identity id = verifier_.verify(request, wall_clock_ms());
    protocol::RouteMatch match = router_.route(request.method, request.raw_path());
    op = match.operation;
    input = protocol::parse_input(match, request);
    protocol::validate_input(*op, input);
    check_policy(id, op->name, input);
    if (throttle_ && !throttle_->admit(id.account_id, id.region, op->name, wall_clock_ms()))
      errors::raise(errors::kThrottling, "Rate exceeded");
    if (auto injected = faults_.injected_error(op->name, input.string_or("PhoneNumber", ""))) throw AwsException(*injected);
    ctx.account_id = std::move(id.account_id);
    ctx.region = std::move(id.region);
    ctx.operation = op->name;
    ctx.validation_error = op->validation_error_code();
  } catch (const AwsException& e) {
    spdlog::debug("{} {} {} -> {}", request_id, request.method, request.target, e.error().code);
    metrics_.record_request(op ? op->name : "Unrouted", e.error().code, seconds_since(started));
    respond(error(e.error(), request_id));
    return;
  }
  ctx.request_id = std::move(request_id);
  // One request in flight: built on the I/O thread, finished wherever the domain call completes.
  struct Call {
    RequestContext ctx;
    Value input;
    const protocol::Operation* op;
    http::Responder respond;
    std::chrono::steady_clock::time_point started;
    Value output;
  };
  auto call = std::make_shared<Call>(Call{std::move(ctx), std::move(input), op, std::move(respond), started, {}});
  auto run = [this, call] {
    call->ctx.now_ms = clock_.now_ms();
    call->output = service_.call(call->ctx, call->input);
  };
  auto finish = [this, call](std::exception_ptr failure) {
    const RequestContext& c = call->ctx;
    http::Response r;
    std::string code = "OK";
    try {
      if (failure) std::rethrow_exception(failure);
      // A lost response: the change is made, the client sees an error and retries.
      if (auto injected = faults_.injected_error(c.operation, call->input.string_or("PhoneNumber", ""), true))
        throw AwsException(*injected);
      r.body = protocol::serialize_output(call->op->output, call->output);
      r.set_header("Content-Type", "application/json");
      r.set_header(kRequestIdHeader, c.request_id);
      cors::add_response_headers(r);
    } catch (const AwsException& e) {
      code = e.error().code;
      r = error(e.error(), c.request_id);
    } catch (const std::exception& e) {
      code = errors::kInternalService;
      spdlog::error("{} {} failed: {}", c.request_id, c.operation, e.what());
      r = error(AwsError{errors::kInternalService, "An internal error occurred. Request id: " + c.request_id, {}, 0},
                c.request_id);
    }
    spdlog::debug("{} {} -> {}", c.request_id, c.operation, r.status);
    metrics_.record_request(c.operation, code, seconds_since(call->started));
    call->respond(std::move(r));
  };
  auto run_and_finish = [run, finish] {
    std::exception_ptr failure;
    try {
      run();
    } catch (...) {
      failure = std::current_exception();
    }
    finish(failure);
  };
  if (!service_.read_only(op->name)) {
    // Writes run where the store writes and answer once durable: no thread waits for the commit.
    try {
      service_.submit(run, finish);
    } catch (...) {
      finish(std::current_exception());
    }
  } else if (service_.local_reads()) {
    run_and_finish();  // local reads are cheaper than the hop to a worker
  } else {
    workers_.post(run_and_finish);
  }
}

}  // namespace cl::app
