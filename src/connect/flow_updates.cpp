// UpdateContactFlowName, UpdateContactFlowContent, UpdateContactFlowMetadata: what the Terraform
// provider calls when a flow's name, description or content changes.
#include "common/aws_error.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {

// Name and Description when given (an absent member keeps its value).
void rename(store::ContactFlowRecord& f, const Value& in) {
  if (auto name = in.opt_string("Name")) f.name = *name;
  if (auto description = in.opt_string("Description")) f.description = *description;
}

void store_flow(store::WriteTxn& t, const store::ContactFlowRecord& f) {
  if (t.update_contact_flow(f) == store::Insert::Conflict)
    errors::raise(errors::kDuplicateResource, "A flow named " + f.name + " already exists in this instance.");
}

}  // namespace

Value Service::update_contact_flow_name(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  auto f = require_flow(t, ctx, inst.id, in.string_or("ContactFlowId", ""));
  rename(f, in);
  f.modified_ms = ctx.now_ms;
  store_flow(t, f);
  return Value::map();
}

Value Service::update_contact_flow_content(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const std::string content = in.string_or("Content", "");
  check_flow_content(content);
  auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  auto f = require_flow(t, ctx, inst.id, in.string_or("ContactFlowId", ""));
  f.content = content;
  f.modified_ms = ctx.now_ms;
  store_flow(t, f);
  return Value::map();
}

Value Service::update_contact_flow_metadata(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  auto f = require_flow(t, ctx, inst.id, in.string_or("ContactFlowId", ""));
  rename(f, in);
  if (auto state = in.opt_string("ContactFlowState")) f.state = *state;
  f.modified_ms = ctx.now_ms;
  store_flow(t, f);
  return Value::map();
}

}  // namespace cl::connect
