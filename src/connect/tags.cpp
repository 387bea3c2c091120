// TagResource, UntagResource, ListTagsForResource: tags live on the resource's ARN.
#include "common/arn.hpp"
#include "common/aws_error.hpp"
#include "common/resource_ref.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {
constexpr size_t kMaxTagsPerResource = 50;

[[noreturn]] void not_found(const std::string& arn) {
  errors::raise(errors::kResourceNotFound, "The resource " + arn + " was not found.");
}
}  // namespace

std::string Service::require_taggable(store::ReadTxn& t, const RequestContext& ctx, const std::string& text) {
  // Another account's or region's ARN is simply not found: nothing of it is visible here. The
  // legacy instance/<id>/phone-number/<id> ARN of ListPhoneNumbers (v1) is not taggable.
  const auto ref = parse_resource_ref(text, kTaggableKinds, caller_of(ctx), RefOptions{false, {}});
  if (!ref || ref->region != ctx.region) not_found(text);
  switch (ref->kind) {
    case ResourceKind::Instance:
      if (!t.instance(scope_of(ctx), ref->id)) not_found(text);
      break;
    case ResourceKind::ContactFlow:
      if (!t.instance(scope_of(ctx), ref->instance_id) || !t.contact_flow(scope_of(ctx), ref->instance_id, ref->id))
        not_found(text);
      break;
    case ResourceKind::TrafficDistributionGroup: require_group(t, ctx, text, Access::Home); break;
    case ResourceKind::PhoneNumber: require_phone_number(t, ctx, text); break;
    case ResourceKind::LegacyPhoneNumber: not_found(text);
  }
  return ref->arn();
}

Value Service::tag_resource(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const std::string arn = in.string_or("resourceArn", "");
  store::TagMap tags;
  for (const auto& [k, v] : in.find("tags")->as_map()) tags.emplace(k, v.as_string());
  {
    // Reading the resource locks it: concurrent TagResource calls count against the limit in turn.
    const std::string resource = require_taggable(t, ctx, arn);
    store::TagMap merged = t.tags(resource);
    for (const auto& [k, v] : tags) merged[k] = v;
    if (merged.size() > kMaxTagsPerResource)
      errors::raise(errors::kInvalidParameter, "A resource can have at most " + std::to_string(kMaxTagsPerResource) +
                                                   " tags; this request would leave it with " +
                                                   std::to_string(merged.size()) + ".");
    t.put_tags(resource, tags);
  }
  return Value::map();
}

Value Service::untag_resource(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const std::string arn = in.string_or("resourceArn", "");
  std::vector<std::string> keys;
  for (const auto& k : in.find("tagKeys")->as_list()) keys.push_back(k.as_string());
  t.delete_tags(require_taggable(t, ctx, arn), keys);
  return Value::map();
}

Value Service::list_tags_for_resource(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  Value out = Value::map();
  out.set("tags", tags_value(t.tags(require_taggable(t, ctx, in.string_or("resourceArn", "")))));
  return out;
}

}  // namespace cl::connect
