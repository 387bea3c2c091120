// CreateInstance, DescribeInstance, ListInstances, DeleteInstance.
#include "common/arn.hpp"
#include "common/aws_error.hpp"
#include "common/resource_ref.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {
constexpr int kListInstancesDefault = 10;

std::string service_role(const std::string& account) {
  return "arn:aws:iam::" + account + ":role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_" +
         random_alnum(20);
}

std::string access_url(const store::InstanceRecord& r) {
  return "https://" + (r.alias ? *r.alias : r.id) + ".my.connect.aws/";
}
}  // namespace

Value Service::instance_value(const store::InstanceRecord& r, const RequestContext& ctx) const {
  Value v = Value::map();
  v.set("Id", r.id);
  v.set("Arn", arn::instance(r.region, r.account_id, r.id));
  v.set("IdentityManagementType", r.identity_management_type);
  if (r.alias) v.set("InstanceAlias", *r.alias);
  v.set("CreatedTime", static_cast<double>(r.created_ms) / 1000.0);
  v.set("ServiceRole", r.service_role);
  v.set("InstanceStatus", settling(r.created_ms, ctx.now_ms) ? "CREATION_IN_PROGRESS" : "ACTIVE");
  v.set("InboundCallsEnabled", r.inbound_calls);
  v.set("OutboundCallsEnabled", r.outbound_calls);
  v.set("InstanceAccessUrl", access_url(r));
  return v;
}

store::InstanceRecord Service::require_instance(store::ReadTxn& t, const RequestContext& ctx,
                                                const std::string& id_or_arn) {
  // An instance is reached only in its own region (a replica is its own record there).
  const auto ref = parse_resource_ref(id_or_arn, kinds(ResourceKind::Instance), caller_of(ctx));
  if (!ref || ref->region != ctx.region) errors::raise(errors::kResourceNotFound, "Instance not found: " + id_or_arn);
  auto r = t.instance(scope_of(ctx), ref->id);
  if (!r) errors::raise(errors::kResourceNotFound, "Instance not found: " + id_or_arn);
  return *r;
}

Value Service::create_instance(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const std::string type = in.string_or("IdentityManagementType", "");
  auto alias = in.opt_string("InstanceAlias");
  auto directory = in.opt_string("DirectoryId");
  if (type == "EXISTING_DIRECTORY") {
    if (!directory)
      errors::raise(errors::kInvalidRequest,
                    "DirectoryId is required when IdentityManagementType is EXISTING_DIRECTORY.");
  } else {
    if (!alias)
      errors::raise(errors::kInvalidRequest, "InstanceAlias is required when IdentityManagementType is " + type + ".");
    if (directory)
      errors::raise(errors::kInvalidRequest,
                    "DirectoryId can only be given when IdentityManagementType is EXISTING_DIRECTORY.");
  }
  if (type != "SAML" && type != "CONNECT_MANAGED" && type != "EXISTING_DIRECTORY")
    errors::raise(errors::kInvalidRequest, "Invalid IdentityManagementType: " + type);

  return idempotent(ctx, in, t, [&] {
    const auto scope = scope_of(ctx);
    const Quotas q = load_quotas(t, scope, config_.default_quotas);
    if (t.count_instances(scope) >= q.instances)
      errors::raise(errors::kServiceQuotaExceeded,
                    "The quota for instances (" + std::to_string(q.instances) + ") has been reached in this Region.");
    store::InstanceRecord r;
    r.account_id = ctx.account_id;
    r.region = ctx.region;
    r.id = ids_.uuid();
    r.identity_management_type = type;
    r.alias = alias;
    r.directory_id = directory;
    r.inbound_calls = in.opt_bool("InboundCallsEnabled").value_or(false);
    r.outbound_calls = in.opt_bool("OutboundCallsEnabled").value_or(false);
    r.service_role = service_role(ctx.account_id);
    r.created_ms = ctx.now_ms;
    if (t.insert_instance(r) == store::Insert::Conflict)
      errors::raise(errors::kResourceConflict,
                    "An instance with the alias " + *alias + " already exists in this Region.");
    const std::string instance_arn = arn::instance(r.region, r.account_id, r.id);
    create_default_flows(t, ctx, r.id);
    put_input_tags(t, instance_arn, in.find("Tags"));
    Value out = Value::map();
    out.set("Id", r.id);
    out.set("Arn", instance_arn);
    return out;
  });
}

Value Service::describe_instance(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  Value out = Value::map();
  {
    auto r = require_instance(t, ctx, in.string_or("InstanceId", ""));
    Value inst = instance_value(r, ctx);
    auto tags = t.tags(arn::instance(r.region, r.account_id, r.id));
    if (!tags.empty()) inst.set("Tags", tags_value(tags));
    out.set("Instance", std::move(inst));
    // Replicated instances describe their replication from either region.
    const bool is_replica = r.source_region.has_value();
    if (r.replica_region || is_replica) {
      const std::string source_region = is_replica ? *r.source_region : r.region;
      const std::string replica_region = is_replica ? r.region : *r.replica_region;
      auto replica = is_replica ? std::optional(r) : t.instance({r.account_id, replica_region}, r.id);
      auto source = is_replica ? t.instance({r.account_id, source_region}, r.id) : std::optional(r);
      Value status = Value::map();
      status.set("Region", replica_region);
      status.set("ReplicationStatus", replica && settling(replica->created_ms, ctx.now_ms)
                                          ? "INSTANCE_REPLICATION_IN_PROGRESS"
                                          : "INSTANCE_REPLICATION_COMPLETE");
      Value config = Value::map();
      config.set("ReplicationStatusSummaryList", Value(Value::List{status}));
      config.set("SourceRegion", source_region);
      config.set("GlobalSignInEndpoint",
                 "https://" + (source && source->alias ? *source->alias : r.id) + ".global.my.connect.aws/");
      out.set("ReplicationConfiguration", std::move(config));
    }
  }
  return out;
}

Value Service::list_instances(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  const Page page = open_page(ctx, in, kListInstancesDefault, "");
  Value out = Value::map();
  auto rows = t.instances(scope_of(ctx), page.after, page.fetch());
  close_page(page, rows, out, [](const store::InstanceRecord& r) { return r.id; });
  Value list = Value::list();
  for (const auto& r : rows) list.push_back(instance_value(r, ctx));
  out.set("InstanceSummaryList", std::move(list));
  return out;
}

Value Service::delete_instance(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  return idempotent(ctx, in, t, [&] {
    auto r = require_instance(t, ctx, in.string_or("InstanceId", ""));
    const std::string instance_arn = arn::instance(r.region, r.account_id, r.id);
    if (r.replica_region)
      errors::raise(errors::kInvalidRequest,
                    "The instance is replicated to " + *r.replica_region + ": delete the replica there first.");
    if (r.source_region) {
      // Deleting a replica deletes the default traffic distribution group with it.
      const store::Scope source_scope{r.account_id, *r.source_region};
      for (const auto& g : t.traffic_distribution_groups(source_scope, r.id, "", INT32_MAX, gone_before(ctx.now_ms))) {
        if (!g.is_default)
          errors::raise(errors::kInvalidRequest,
                        "Delete the instance's traffic distribution groups before deleting its replica.");
        t.mark_traffic_distribution_group_deleted(source_scope, g.id, ctx.now_ms);
      }
      t.set_replica_region(source_scope, r.id, std::nullopt);
    }
    // Deleting an instance releases its numbers: cooldown and the claim-release rule apply.
    const Quotas q = load_quotas(t, scope_of(ctx), config_.default_quotas);
    for (const auto& number : t.target_numbers(instance_arn)) release_in(t, ctx, number, q);
    for (const auto& f : t.contact_flows(scope_of(ctx), r.id, {}, "", INT32_MAX))
      t.delete_all_tags(arn::contact_flow(f.region, f.account_id, f.instance_id, f.id));
    t.delete_contact_flows(scope_of(ctx), r.id);
    t.delete_instance_attributes(scope_of(ctx), r.id);
    t.delete_instance(scope_of(ctx), r.id);
    t.delete_all_tags(instance_arn);
    return Value::map();
  });
}

}  // namespace cl::connect
