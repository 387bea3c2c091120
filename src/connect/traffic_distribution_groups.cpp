// ReplicateInstance and traffic distribution groups (SPEC §7): a replica keeps the instance id in
// the replica region; groups live in the instance's source region and are visible from the
// replica region by ARN.
#include <algorithm>
#include <array>
#include <utility>

#include "common/arn.hpp"
#include "common/aws_error.hpp"
#include "common/resource_ref.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {

constexpr int kListDefault = 10;

// The region pairs Amazon Connect Global Resiliency supports (source -> replica).
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kReplicationPairs{{
    {"us-east-1", "us-west-2"},
    {"us-west-2", "us-east-1"},
    {"eu-central-1", "eu-west-2"},
    {"eu-west-2", "eu-central-1"},
    {"ap-northeast-1", "ap-northeast-3"},
}};

[[noreturn]] void group_not_found(const std::string& id) {
  errors::raise(errors::kResourceNotFound, "Traffic distribution group not found: " + id);
}

[[noreturn]] void invalid_request(const std::string& message) { errors::raise(errors::kInvalidRequest, message); }

}  // namespace

std::string Service::group_status(const store::TrafficDistributionGroupRecord& g, Millis now) const {
  if (g.deleted_ms) return "PENDING_DELETION";
  return settling(g.created_ms, now) ? "CREATION_IN_PROGRESS" : "ACTIVE";
}

store::TrafficDistributionGroupRecord Service::require_group(store::ReadTxn& t, const RequestContext& ctx,
                                                             const std::string& id_or_arn, Access access) {
  const auto ref = parse_resource_ref(id_or_arn, kinds(ResourceKind::TrafficDistributionGroup), caller_of(ctx));
  if (!ref) group_not_found(id_or_arn);
  const std::string& id = ref->id;
  const std::string& region = ref->region;
  // The operation's modeled 400: InvalidParameterException for claims, InvalidRequestException for
  // DeleteTrafficDistributionGroup.
  if (region != ctx.region && access == Access::Home)
    errors::raise(
        ctx.validation_error,
        "The endpoint you are calling is not in the same Region where the traffic distribution group was created");
  auto g = t.traffic_distribution_group({ctx.account_id, region}, id);
  if (!g || (g->deleted_ms && *g->deleted_ms < gone_before(ctx.now_ms))) group_not_found(id_or_arn);
  if (region != ctx.region) {
    // Only the replica region of the group's instance sees it from outside its home region.
    auto source = t.instance({ctx.account_id, region}, g->instance_id);
    if (!source || source->replica_region != ctx.region) group_not_found(id_or_arn);
  }
  return *g;
}

Value Service::replicate_instance(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const std::string replica_region = in.string_or("ReplicaRegion", "");
  const std::string replica_alias = in.string_or("ReplicaAlias", "");
  return idempotent(ctx, in, t, [&] {
    auto source = require_instance(t, ctx, in.string_or("InstanceId", ""));
    if (replica_region == ctx.region)
      invalid_request("The replica Region must be different from the instance's Region.");
    const bool paired = std::any_of(kReplicationPairs.begin(), kReplicationPairs.end(),
                                    [&](const auto& p) { return p.first == ctx.region && p.second == replica_region; });
    if (!paired) invalid_request("Instances in " + ctx.region + " cannot be replicated to " + replica_region + ".");
    if (source.replica_region || source.source_region) invalid_request("The instance is already replicated.");
    if (!source.alias) invalid_request("The instance has no alias; only instances with an alias can be replicated.");
    if (settling(source.created_ms, ctx.now_ms)) invalid_request("The instance is not ACTIVE.");
    if (source.identity_management_type != "SAML")
      invalid_request("SAML identity management must be enabled on the instance to replicate it.");
    const store::Scope replica_scope{ctx.account_id, replica_region};
    const Quotas q = load_quotas(t, replica_scope, config_.default_quotas);
    if (t.count_instances(replica_scope) >= q.instances)
      errors::raise(errors::kServiceQuotaExceeded,
                    "The quota for instances has been reached in " + replica_region + ".");
    store::InstanceRecord replica = source;
    replica.region = replica_region;
    replica.alias = replica_alias;
    replica.created_ms = ctx.now_ms;
    replica.source_region = ctx.region;
    replica.replica_region.reset();
    if (t.insert_instance(replica) == store::Insert::Conflict)
      errors::raise(errors::kResourceConflict,
                    "An instance with the alias " + replica_alias + " already exists in " + replica_region + ".");
    t.set_replica_region(scope_of(ctx), source.id, replica_region);
    RequestContext replica_ctx = ctx;
    replica_ctx.region = replica_region;
    create_default_flows(t, replica_ctx, source.id);
    store::TrafficDistributionGroupRecord group{
        ctx.account_id, ctx.region, ids_.uuid(), source.id,   *source.alias + "-default",
        std::nullopt,   true,       ctx.now_ms,  std::nullopt};
    insert_group(t, group, ctx.now_ms);
    Value out = Value::map();
    out.set("Id", source.id);
    out.set("Arn", arn::instance(replica_region, ctx.account_id, source.id));
    return out;
  });
}

Value Service::create_traffic_distribution_group(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  return idempotent(ctx, in, t, [&] {
    auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
    if (inst.source_region)
      invalid_request("Traffic distribution groups are created in the Region where ReplicateInstance was called (" +
                      *inst.source_region + ").");
    if (!inst.replica_region)
      invalid_request(
          "The instance must be replicated (ReplicateInstance) before creating traffic distribution groups.");
    store::TrafficDistributionGroupRecord g{
        ctx.account_id, ctx.region, ids_.uuid(), inst.id, in.string_or("Name", ""), in.opt_string("Description"),
        false,          ctx.now_ms, std::nullopt};
    if (insert_group(t, g, ctx.now_ms) == store::Insert::Conflict)
      errors::raise(errors::kResourceConflict, "A traffic distribution group named " + g.name + " already exists.");
    const std::string group_arn = arn::traffic_distribution_group(g.region, g.account_id, g.id);
    put_input_tags(t, group_arn, in.find("Tags"));
    Value out = Value::map();
    out.set("Id", g.id);
    out.set("Arn", group_arn);
    return out;
  });
}

Value Service::describe_traffic_distribution_group(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  Value out = Value::map();
  {
    auto g = require_group(t, ctx, in.string_or("TrafficDistributionGroupId", ""), Access::FromReplica);
    const std::string group_arn = arn::traffic_distribution_group(g.region, g.account_id, g.id);
    Value v = Value::map();
    v.set("Id", g.id);
    v.set("Arn", group_arn);
    v.set("Name", g.name);
    if (g.description) v.set("Description", *g.description);
    v.set("InstanceArn", arn::instance(g.region, g.account_id, g.instance_id));
    v.set("Status", group_status(g, ctx.now_ms));
    v.set("IsDefault", g.is_default);
    v.set("Tags", tags_value(t.tags(group_arn)));
    out.set("TrafficDistributionGroup", std::move(v));
  }
  return out;
}

Value Service::list_traffic_distribution_groups(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  Value out = Value::map();
  {
    std::string instance_id;
    if (auto i = in.opt_string("InstanceId")) instance_id = require_instance(t, ctx, *i).id;
    const Page page = open_page(ctx, in, kListDefault, instance_id);
    auto rows =
        t.traffic_distribution_groups(scope_of(ctx), instance_id, page.after, page.fetch(), gone_before(ctx.now_ms));
    close_page(page, rows, out, [](const store::TrafficDistributionGroupRecord& g) { return g.id; });
    Value list = Value::list();
    for (const auto& g : rows) {
      Value v = Value::map();
      v.set("Id", g.id);
      v.set("Arn", arn::traffic_distribution_group(g.region, g.account_id, g.id));
      v.set("Name", g.name);
      v.set("InstanceArn", arn::instance(g.region, g.account_id, g.instance_id));
      v.set("Status", group_status(g, ctx.now_ms));
      v.set("IsDefault", g.is_default);
      list.push_back(std::move(v));
    }
    out.set("TrafficDistributionGroupSummaryList", std::move(list));
  }
  return out;
}

Value Service::delete_traffic_distribution_group(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  {
    // Reading the group locks it: a claim to it (which reads it too) runs before or after, not during.
    auto g = require_group(t, ctx, in.string_or("TrafficDistributionGroupId", ""), Access::Home);
    if (g.deleted_ms) return Value::map();  // already being deleted
    if (g.is_default)
      invalid_request("The default traffic distribution group cannot be deleted; it is deleted with the replica.");
    const std::string group_arn = arn::traffic_distribution_group(g.region, g.account_id, g.id);
    auto numbers = t.target_numbers(group_arn);
    if (!numbers.empty()) {
      errors::raise_in_use("The traffic distribution group has " + std::to_string(numbers.size()) +
                               " phone numbers claimed to it; release them first.",
                           "PHONE_NUMBER",
                           arn::phone_number(numbers.front().region, numbers.front().account_id, numbers.front().id));
    }
    // The group keeps its tags while PENDING_DELETION; the store drops them with the group.
    t.mark_traffic_distribution_group_deleted(scope_of(ctx), g.id, ctx.now_ms);
  }
  return Value::map();
}

store::Insert Service::insert_group(store::WriteTxn& t, const store::TrafficDistributionGroupRecord& g, Millis now_ms) {
  // Groups whose deletion finished are purged first, so their names are free again.
  for (const auto& id : t.delete_gone_traffic_distribution_groups({g.account_id, g.region}, gone_before(now_ms)))
    t.delete_all_tags(arn::traffic_distribution_group(g.region, g.account_id, id));
  return t.insert_traffic_distribution_group(g);
}

}  // namespace cl::connect
