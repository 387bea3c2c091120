#include "connect/service.hpp"

#include "common/aws_error.hpp"
#include "common/crypto.hpp"
#include "common/value_json.hpp"

namespace cl::connect {

namespace {
constexpr Millis kIdempotencyWindowMs = 24LL * 3600 * 1000;
}

store::Scope scope_of(const RequestContext& ctx) { return {ctx.account_id, ctx.region}; }

Service::Service(store::Store& store, const inventory::NumberPlan& plan, inventory::Inventory& inventory,
                 FaultRules& faults, IdGenerator& ids, PageTokens tokens, ServiceConfig config)
    : store_(store),
      plan_(plan),
      inventory_(inventory),
      faults_(faults),
      ids_(ids),
      tokens_(std::move(tokens)),
      config_(std::move(config)) {
  constexpr bool kRead = true, kWrite = false;
  handlers_ = {
      {"CreateInstance", {&Service::create_instance, kWrite}},
      {"DescribeInstance", {&Service::describe_instance, kRead}},
      {"ListInstances", {&Service::list_instances, kRead}},
      {"DeleteInstance", {&Service::delete_instance, kWrite}},
      {"TagResource", {&Service::tag_resource, kWrite}},
      {"UntagResource", {&Service::untag_resource, kWrite}},
      {"ListTagsForResource", {&Service::list_tags_for_resource, kRead}},
      {"ClaimPhoneNumber", {&Service::claim_phone_number, kWrite}},
      {"SearchAvailablePhoneNumbers", {&Service::search_available_phone_numbers, kRead}},
      {"DescribePhoneNumber", {&Service::describe_phone_number, kRead}},
      {"ReleasePhoneNumber", {&Service::release_phone_number, kWrite}},
      {"ListPhoneNumbersV2", {&Service::list_phone_numbers_v2, kRead}},
      {"ListPhoneNumbers", {&Service::list_phone_numbers, kRead}},
      {"UpdatePhoneNumber", {&Service::update_phone_number, kWrite}},
      {"UpdatePhoneNumberMetadata", {&Service::update_phone_number_metadata, kWrite}},
      {"ImportPhoneNumber", {&Service::import_phone_number, kWrite}},
      {"AssociatePhoneNumberContactFlow", {&Service::associate_phone_number_contact_flow, kWrite}},
      {"DisassociatePhoneNumberContactFlow", {&Service::disassociate_phone_number_contact_flow, kWrite}},
      {"ReplicateInstance", {&Service::replicate_instance, kWrite}},
      {"CreateTrafficDistributionGroup", {&Service::create_traffic_distribution_group, kWrite}},
      {"DescribeTrafficDistributionGroup", {&Service::describe_traffic_distribution_group, kRead}},
      {"ListTrafficDistributionGroups", {&Service::list_traffic_distribution_groups, kRead}},
      {"DeleteTrafficDistributionGroup", {&Service::delete_traffic_distribution_group, kWrite}},
      {"CreateContactFlow", {&Service::create_contact_flow, kWrite}},
      {"DescribeContactFlow", {&Service::describe_contact_flow, kRead}},
      {"ListContactFlows", {&Service::list_contact_flows, kRead}},
      {"DeleteContactFlow", {&Service::delete_contact_flow, kWrite}},
      {"ListFlowAssociations", {&Service::list_flow_associations, kRead}},
  };
}

Value Service::call(const RequestContext& ctx, const Value& input) {
  auto it = handlers_.find(ctx.operation);
  if (it == handlers_.end())
    errors::raise(errors::kNotImplemented, "The operation " + ctx.operation + " is not implemented by connect-local");
  return (this->*(it->second.method))(ctx, input);
}

bool Service::read_only(const std::string& operation) const {
  auto it = handlers_.find(operation);
  return it != handlers_.end() && it->second.read_only;
}

Value Service::idempotent_write(const RequestContext& ctx, const Value& in,
                                const std::function<Value(store::Txn&)>& body) {
  auto token = in.opt_string("ClientToken");
  Value out;
  if (!token) {
    store_.write([&](store::Txn& t) { out = body(t); });
    return out;
  }
  Value fingerprint_input = in;
  fingerprint_input.as_map().erase("ClientToken");
  const std::string fingerprint = crypto::hex(crypto::sha256(to_json(fingerprint_input)));
  const auto scope = scope_of(ctx);
  store_.write([&](store::Txn& t) {
    if (auto seen = t.idempotency(scope, ctx.operation, *token); seen && ctx.now_ms - seen->created_ms < kIdempotencyWindowMs) {
      if (seen->request_hash != fingerprint)
        errors::raise(errors::kIdempotency,
                      "The ClientToken " + *token + " was already used with different parameters.");
      if (!from_json(seen->response, out)) throw store::StoreFailure("stored idempotent response is not JSON");
      return;
    }
    out = body(t);
    t.put_idempotency(scope, ctx.operation, *token, {fingerprint, to_json(out), ctx.now_ms});
  });
  return out;
}

Quotas Service::quotas(const store::Scope& scope) {
  Quotas q;
  store_.read([&](store::Txn& t) { q = load_quotas(t, scope, config_.default_quotas); });
  return q;
}

void Service::set_quotas(const store::Scope& scope, const Value& changes) {
  store_.write([&](store::Txn& t) {
    Quotas q = load_quotas(t, scope, config_.default_quotas);
    q.apply(changes);
    save_quotas(t, scope, q);
  });
}

void Service::put_input_tags(store::Txn& t, const std::string& arn, const Value* tags) {
  if (!tags || !tags->is_map()) return;
  store::TagMap m;
  for (const auto& [k, v] : tags->as_map()) m.emplace(k, v.as_string());
  t.put_tags(arn, m);
}

std::string Service::page_binding(const RequestContext& ctx, const std::string& filters) const {
  return ctx.account_id + "\n" + ctx.region + "\n" + ctx.operation + "\n" + filters;
}

std::string Service::open_page_token(const RequestContext& ctx, const Value& in, const std::string& filters) const {
  auto token = in.opt_string("NextToken");
  if (!token) return {};
  auto position = tokens_.open(page_binding(ctx, filters), *token);
  if (!position) errors::raise(ctx.validation_error, "The NextToken is not valid for this request.");
  return *position;
}

}  // namespace cl::connect
