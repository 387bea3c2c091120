#pragma once
// The Amazon Connect domain: one handler per operation, plain synchronous C++ over the store.
// Inputs and outputs are Values shaped like the model's input and output shapes.
#include <functional>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/page_token.hpp"
#include "common/request_context.hpp"
#include "common/value.hpp"
#include "connect/quotas.hpp"
#include "store/store.hpp"

namespace cl::connect {

struct ServiceConfig {
  Millis transient_delay_ms = 2000;  // CREATION_IN_PROGRESS / IN_PROGRESS before settling
  Quotas default_quotas;
};

class Service {
 public:
  Service(store::Store& store, const Clock& clock, IdGenerator& ids, PageTokens tokens, ServiceConfig config);

  // Runs ctx.operation. Throws AwsException for every modeled failure.
  Value call(const RequestContext& ctx, const Value& input);
  bool implements(const std::string& operation) const { return handlers_.count(operation) > 0; }
  // True for operations that only read: with a store whose reads are local they may run inline.
  bool read_only(const std::string& operation) const;
  bool local_reads() const { return store_.local_reads(); }

  const ServiceConfig& config() const { return config_; }
  Quotas quotas(const store::Scope& scope);
  void set_quotas(const store::Scope& scope, const Value& changes);

 private:
  using Method = Value (Service::*)(const RequestContext&, const Value&);
  struct Handler {
    Method method;
    bool read_only;
  };

  // instances
  Value create_instance(const RequestContext& ctx, const Value& in);
  Value describe_instance(const RequestContext& ctx, const Value& in);
  Value list_instances(const RequestContext& ctx, const Value& in);
  Value delete_instance(const RequestContext& ctx, const Value& in);
  // tags
  Value tag_resource(const RequestContext& ctx, const Value& in);
  Value untag_resource(const RequestContext& ctx, const Value& in);
  Value list_tags_for_resource(const RequestContext& ctx, const Value& in);

  // Shared pieces.
  // Runs `body` in a write transaction, honouring the input's ClientToken (SPEC §8): a replay of
  // the same request returns the first response; the same token with other parameters is a 409.
  Value idempotent_write(const RequestContext& ctx, const Value& in,
                         const std::function<Value(store::Txn&)>& body);
  // Resolves an InstanceId input (bare id or ARN) in the caller's scope; ResourceNotFound otherwise.
  store::InstanceRecord require_instance(store::Txn& t, const RequestContext& ctx, const std::string& id_or_arn);
  // The stored resource behind a taggable ARN, as its ARN; ResourceNotFound when there is none.
  std::string require_taggable(store::Txn& t, const RequestContext& ctx, const std::string& arn);
  Value instance_value(const store::InstanceRecord& r, const RequestContext& ctx, bool summary) const;
  std::string page_binding(const RequestContext& ctx, const std::string& filters) const;
  std::string open_page_token(const RequestContext& ctx, const Value& in, const std::string& filters) const;

  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  PageTokens tokens_;
  ServiceConfig config_;
  std::unordered_map<std::string, Handler> handlers_;
};

store::Scope scope_of(const RequestContext& ctx);

}  // namespace cl::connect
