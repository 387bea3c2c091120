// Contact flows, as far as phone-number associations and Terraform need them.
#include "common/arn.hpp"
#include "common/aws_error.hpp"
#include "common/crypto.hpp"
#include "common/resource_ref.hpp"
#include "common/value_json.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {

constexpr int kListDefault = 100;

// A minimal flow of the 2019-10-30 flow language: disconnect at once.
constexpr const char* kDefaultContent =
    R"({"Version":"2019-10-30","StartAction":"disconnect","Metadata":{},"Actions":[{"Identifier":"disconnect","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]})";

struct DefaultFlow {
  const char* name;
  const char* type;
};
// The flows a new Amazon Connect instance starts with.
constexpr DefaultFlow kDefaultFlows[] = {
    {"Default inbound", "CONTACT_FLOW"},
    {"Sample inbound flow (first contact experience)", "CONTACT_FLOW"},
    {"Default agent hold", "AGENT_HOLD"},
    {"Default customer hold", "CUSTOMER_HOLD"},
    {"Default customer queue", "CUSTOMER_QUEUE"},
    {"Default agent whisper", "AGENT_WHISPER"},
    {"Default customer whisper", "CUSTOMER_WHISPER"},
    {"Default outbound", "OUTBOUND_WHISPER"},
    {"Default agent transfer", "AGENT_TRANSFER"},
    {"Default queue transfer", "QUEUE_TRANSFER"},
};

std::string flow_arn(const store::ContactFlowRecord& f) {
  return arn::contact_flow(f.region, f.account_id, f.instance_id, f.id);
}

std::string content_sha256(const std::string& content) { return crypto::hex(crypto::sha256(content)); }

[[noreturn]] void flow_not_found(const std::string& id) {
  errors::raise(errors::kResourceNotFound, "Contact flow not found: " + id);
}

}  // namespace

void Service::create_default_flows(store::WriteTxn& t, const RequestContext& ctx, const std::string& instance_id) {
  for (const auto& d : kDefaultFlows) {
    store::ContactFlowRecord f{ctx.account_id, ctx.region,   instance_id,     ids_.uuid(), d.name,
                               d.type,         std::nullopt, kDefaultContent, "PUBLISHED", ctx.now_ms};
    if (t.insert_contact_flow(f) == store::Insert::Conflict)
      throw store::StoreFailure("default flow " + f.name + " exists already");
  }
}

store::ContactFlowRecord Service::require_flow(store::ReadTxn& t, const RequestContext& ctx,
                                               const std::string& instance_id, const std::string& id_or_arn) {
  // A flow ARN must name the request's instance, in the caller's region.
  const auto ref =
      parse_resource_ref(id_or_arn, kinds(ResourceKind::ContactFlow), caller_of(ctx), RefOptions{true, instance_id});
  if (!ref || ref->region != ctx.region || ref->instance_id != instance_id) flow_not_found(id_or_arn);
  auto f = t.contact_flow(scope_of(ctx), instance_id, ref->id);
  if (!f) flow_not_found(id_or_arn);
  return *f;
}

void Service::check_flow_content(const std::string& content) {
  Value parsed;
  std::string why;
  if (!from_json(content, parsed, &why) || !parsed.is_map())
    errors::raise_invalid_contact_flow("The flow content is not a valid JSON object" + (why.empty() ? "" : ": " + why));
}

Value Service::create_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const std::string content = in.string_or("Content", "");
  check_flow_content(content);
  Value out = Value::map();
  {
    auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
    store::ContactFlowRecord f{ctx.account_id,
                               ctx.region,
                               inst.id,
                               ids_.uuid(),
                               in.string_or("Name", ""),
                               in.string_or("Type", ""),
                               in.opt_string("Description"),
                               content,
                               in.string_or("Status", "PUBLISHED"),
                               ctx.now_ms};
    if (t.insert_contact_flow(f) == store::Insert::Conflict)
      errors::raise(errors::kDuplicateResource, "A flow named " + f.name + " already exists in this instance.");
    put_input_tags(t, flow_arn(f), in.find("Tags"));
    out.set("ContactFlowId", f.id);
    out.set("ContactFlowArn", flow_arn(f));
    out.set("FlowContentSha256", content_sha256(content));
  }
  return out;
}

Value Service::describe_contact_flow(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  Value out = Value::map();
  {
    auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
    auto f = require_flow(t, ctx, inst.id, in.string_or("ContactFlowId", ""));
    if (f.status != "PUBLISHED")
      errors::raise(errors::kContactFlowNotPublished, "The flow " + f.id + " has not been published.");
    Value v = Value::map();
    v.set("Arn", flow_arn(f));
    v.set("Id", f.id);
    v.set("Name", f.name);
    v.set("Type", f.type);
    v.set("State", f.state);
    v.set("Status", f.status);
    if (f.description) v.set("Description", *f.description);
    v.set("Content", f.content);
    v.set("FlowContentSha256", content_sha256(f.content));
    v.set("LastModifiedTime", static_cast<double>(f.modified_ms) / 1000.0);
    v.set("LastModifiedRegion", f.region);
    v.set("Tags", tags_value(t.tags(flow_arn(f))));
    out.set("ContactFlow", std::move(v));
  }
  return out;
}

Value Service::list_contact_flows(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  std::vector<std::string> types;
  if (const Value* l = in.find("ContactFlowTypes"))
    for (const auto& ty : l->as_list()) types.push_back(ty.as_string());
  Value out = Value::map();
  {
    auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
    std::string filters = inst.id;
    for (const auto& ty : types) filters += "\n" + ty;
    const Page page = open_page(ctx, in, kListDefault, filters);
    auto rows = t.contact_flows(scope_of(ctx), inst.id, types, page.after, page.fetch());
    close_page(page, rows, out, [](const store::ContactFlowRecord& f) { return f.id; });
    Value list = Value::list();
    for (const auto& f : rows) {
      Value v = Value::map();
      v.set("Id", f.id);
      v.set("Arn", flow_arn(f));
      v.set("Name", f.name);
      v.set("ContactFlowType", f.type);
      v.set("ContactFlowState", f.state);
      v.set("ContactFlowStatus", f.status);
      list.push_back(std::move(v));
    }
    out.set("ContactFlowSummaryList", std::move(list));
  }
  return out;
}

Value Service::delete_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  auto f = require_flow(t, ctx, inst.id, in.string_or("ContactFlowId", ""));
  t.delete_contact_flow(scope_of(ctx), inst.id, f.id);
  t.clear_flow(flow_arn(f));
  t.delete_all_tags(flow_arn(f));
  return Value::map();
}

Value Service::list_flow_associations(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  const std::string type = in.string_or("ResourceType", "VOICE_PHONE_NUMBER");
  Value out = Value::map();
  auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  const Page page = open_page(ctx, in, kListDefault, inst.id + "\n" + type);
  Value list = Value::list();
  if (type == "VOICE_PHONE_NUMBER") {
    auto rows =
        t.flow_associations(ctx.account_id, arn::instance(ctx.region, ctx.account_id, inst.id) + "/contact-flow/",
                            page.after, page.fetch());
    close_page(page, rows, out, [](const store::PhoneNumberRecord& r) { return r.id; });
    for (const auto& r : rows) {
      Value v = Value::map();
      v.set("ResourceId", arn::phone_number(r.region, r.account_id, r.id));
      v.set("FlowId", *r.flow_arn);
      v.set("ResourceType", "VOICE_PHONE_NUMBER");
      list.push_back(std::move(v));
    }
  }
  out.set("FlowAssociationSummaryList", std::move(list));
  return out;
}

}  // namespace cl::connect
