#pragma once
// The request pipeline: SigV4 -> route -> parse -> validate -> policy on the I/O thread (on the worker
// pool for a large body), then the domain call: inline when the store's reads are local (SQLite), on
// the worker pool when they wait on the network (PostgreSQL). Either way a write is handed to the
// store and the response is sent when it is durable, from the store's thread. Admin requests run on
// the worker pool. One response per request (success or the single error form).
#include "admin/admin.hpp"
#include "app/throttle.hpp"
#include "auth/verifier.hpp"
#include "common/aws_error.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/worker_pool.hpp"
#include "connect/service.hpp"
#include "http/message.hpp"
#include "protocol/model.hpp"
#include "protocol/router.hpp"

namespace cl::app {

class Gateway {
 public:
  Gateway(const protocol::Model& model, const auth::Verifier& verifier, connect::Service& service, admin::Admin& admin,
          Throttle* throttle, Metrics& metrics, WorkerPool& workers);
  // Runs the front half (verify, route, parse, validate) inline, or on the worker pool for a large
  // body unless already there.
  void handle(http::Request&& request, http::Responder respond, bool off_io_thread = false);

 private:
  http::Response error(const AwsError& e, const std::string& request_id) const;
  const protocol::Model& model_;
  protocol::Router router_;
  const auth::Verifier& verifier_;
  connect::Service& service_;
  admin::Admin& admin_;
  Throttle* throttle_;  // null: no throttling
  Metrics& metrics_;
  WorkerPool& workers_;
};

}  // namespace cl::app
