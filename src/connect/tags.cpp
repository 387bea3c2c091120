// TagResource, UntagResource, ListTagsForResource: tags live on the resource's ARN.
#include "common/arn.hpp"
#include "common/aws_error.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {
constexpr size_t kMaxTagsPerResource = 50;

[[noreturn]] void not_found(const std::string& arn) {
  errors::raise(errors::kResourceNotFound, "The resource " + arn + " was not found.");
}
}  // namespace

std::string Service::require_taggable(store::ReadTxn& t, const RequestContext& ctx, const std::string& text) {
  auto a = Arn::parse(text);
  // Another account's or region's ARN is simply not found: nothing of it is visible here.
  if (!a || a->partition != "aws" || a->service != "connect" || a->region != ctx.region || a->account_id != ctx.account_id)
    not_found(text);
  const std::string& res = a->resource;
  if (res.rfind("instance/", 0) == 0) {
    const size_t slash = res.find('/', 9);
    const std::string instance_id = res.substr(9, slash == std::string::npos ? std::string::npos : slash - 9);
    if (!t.instance(scope_of(ctx), instance_id)) not_found(text);
    if (slash == std::string::npos) return a->str();
    // instance/<id>/contact-flow/<flow-id>
    constexpr std::string_view kFlow = "/contact-flow/";
    if (res.compare(slash, kFlow.size(), kFlow) == 0) {
      if (!t.contact_flow(scope_of(ctx), instance_id, res.substr(slash + kFlow.size()))) not_found(text);
      return a->str();
    }
  }
  if (res.rfind("traffic-distribution-group/", 0) == 0) {
    require_group(t, ctx, text, Access::Home);
    return a->str();
  }
  if (res.rfind("phone-number/", 0) == 0) {
    require_phone_number(t, ctx, text);  // only this ARN form: the legacy v1 ARN is not taggable
    return a->str();
  }
  // Other resource types (and the legacy instance/<id>/phone-number/<id> ARN, which is not
  // taggable) are not found.
  not_found(text);
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
