// DescribeInstanceAttribute, UpdateInstanceAttribute, ListInstanceAttributes.
//
// INBOUND_CALLS and OUTBOUND_CALLS are the instance's own flags (CreateInstance sets them,
// DescribeInstance shows them); every other attribute is stored once set and otherwise has the
// value a new Amazon Connect instance reports (the Terraform provider's defaults were read from
// ListInstanceAttributes of real instances).
#include <algorithm>
#include <cctype>

#include "common/aws_error.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {

struct AttributeDefault {
  const char* type;
  const char* value;
};
// In the order of the model's InstanceAttributeType enum (ListInstanceAttributes pages in it).
constexpr AttributeDefault kAttributes[] = {
    {"INBOUND_CALLS", nullptr},   // the instance's flag
    {"OUTBOUND_CALLS", nullptr},  // the instance's flag
    {"CONTACTFLOW_LOGS", "false"},
    {"CONTACT_LENS", "true"},
    {"AUTO_RESOLVE_BEST_VOICES", "true"},
    {"USE_CUSTOM_TTS_VOICES", "false"},
    {"EARLY_MEDIA", "true"},
    {"MULTI_PARTY_CONFERENCE", "false"},
    {"HIGH_VOLUME_OUTBOUND", "false"},
    {"ENHANCED_CONTACT_MONITORING", "false"},
    {"ENHANCED_CHAT_MONITORING", "false"},
    {"MULTI_PARTY_CHAT_CONFERENCE", "false"},
    {"MESSAGE_STREAMING", "false"},
};
constexpr int kListDefault = 7;  // the model's maximum

const char* bool_text(bool b) { return b ? "true" : "false"; }

std::string attribute_value(const store::InstanceRecord& inst, const std::map<std::string, std::string>& stored,
                            const AttributeDefault& a) {
  const std::string_view type = a.type;
  if (type == "INBOUND_CALLS") return bool_text(inst.inbound_calls);
  if (type == "OUTBOUND_CALLS") return bool_text(inst.outbound_calls);
  auto it = stored.find(a.type);
  return it != stored.end() ? it->second : a.value;
}

const AttributeDefault& attribute(const std::string& type) {
  for (const auto& a : kAttributes)
    if (type == a.type) return a;
  // The model's enum check runs first: only a type added to the model but not here gets this far.
  errors::raise(errors::kInvalidParameter, "Unsupported attribute type: " + type);
}

Value attribute_output(const std::string& type, const std::string& value) {
  Value v = Value::map();
  v.set("AttributeType", type);
  v.set("Value", value);
  return v;
}

}  // namespace

Value Service::describe_instance_attribute(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  const auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  const AttributeDefault& a = attribute(in.string_or("AttributeType", ""));
  Value out = Value::map();
  out.set("Attribute",
          attribute_output(a.type, attribute_value(inst, t.instance_attributes(scope_of(ctx), inst.id), a)));
  return out;
}

Value Service::update_instance_attribute(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  const AttributeDefault& a = attribute(in.string_or("AttributeType", ""));
  std::string value = in.string_or("Value", "");
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  // Every attribute type of the model is a switch.
  if (value != "true" && value != "false")
    errors::raise(errors::kInvalidParameter, "Invalid value for attribute " + std::string(a.type) +
                                                 ": expected true or false, got '" + in.string_or("Value", "") + "'");
  const std::string_view type = a.type;
  if (type == "INBOUND_CALLS" || type == "OUTBOUND_CALLS") {
    const bool on = value == "true";
    t.set_instance_calls(scope_of(ctx), inst.id, type == "INBOUND_CALLS" ? on : inst.inbound_calls,
                         type == "OUTBOUND_CALLS" ? on : inst.outbound_calls);
  } else {
    t.put_instance_attribute(scope_of(ctx), inst.id, a.type, value);
  }
  return Value::map();
}

Value Service::list_instance_attributes(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  const auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
  const Page page = open_page(ctx, in, kListDefault, inst.id);
  const auto stored = t.instance_attributes(scope_of(ctx), inst.id);
  // Positions are the attribute types, in the enum's order.
  std::vector<const AttributeDefault*> rows;
  bool started = page.after.empty();
  for (const auto& a : kAttributes) {
    if (!started) {
      started = page.after == a.type;
      continue;
    }
    if (static_cast<int>(rows.size()) == page.fetch()) break;
    rows.push_back(&a);
  }
  Value out = Value::map();
  close_page(page, rows, out, [](const AttributeDefault* a) { return std::string(a->type); });
  Value list = Value::list();
  for (const auto* a : rows) list.push_back(attribute_output(a->type, attribute_value(inst, stored, *a)));
  out.set("Attributes", std::move(list));
  return out;
}

}  // namespace cl::connect
