// ClaimPhoneNumber and everything around it (SPEC §5, §6): search, describe, list, update,
// release, import, flow associations. Status is derived from stored times; the number's hold in
// the store is the one authority on who may claim it.
#include "common/arn.hpp"
#include "common/aws_error.hpp"
#include "common/resource_ref.hpp"
#include "common/time_format.hpp"
#include "connect/service.hpp"

namespace cl::connect {

namespace {

constexpr Millis kDayMs = 24LL * 3600 * 1000;
constexpr int kSearchDefault = 10;
constexpr int kListDefault = 100;
constexpr const char* kQuotaFailure = "The allowed limit for claimed phone numbers has been exceeded for your instance";

[[noreturn]] void not_available(const std::string& number) {
  errors::raise(errors::kInvalidParameter, "Phone number not available: " + number);
}

[[noreturn]] void phone_not_found(const std::string& id) {
  errors::raise(errors::kResourceNotFound, "Phone number not found: " + id);
}

std::string status_of(const store::PhoneNumberRecord& r, Millis now) {
  if (now < r.settles_ms) return "IN_PROGRESS";
  return r.failed_message ? "FAILED" : "CLAIMED";
}

// ListPhoneNumbers (v1) reports the newer types as TOLL_FREE or DID, as the real service does.
std::string v1_type(const std::string& type) {
  if (type == "TOLL_FREE" || type == "UIFN" || type == "THIRD_PARTY_TF") return "TOLL_FREE";
  return "DID";
}

std::vector<std::string> strings_of(const Value* list) {
  std::vector<std::string> out;
  if (list && list->is_list())
    for (const auto& v : list->as_list()) out.push_back(v.as_string());
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += i + ",";
  return s;
}

// A FAILED claim holds its number for a day after it settles ("you have one day to retry claiming
// the phone number"), then vanishes and the number returns to the inventory.
constexpr Millis kFailedHoldMs = kDayMs;

// {PhoneNumberId, PhoneNumberArn}: the output of Claim, Import and Update.
Value number_reference(const store::PhoneNumberRecord& r) {
  Value v = Value::map();
  v.set("PhoneNumberId", r.id);
  v.set("PhoneNumberArn", arn::phone_number(r.region, r.account_id, r.id));
  return v;
}

void check_claim_token(const Value& in) {
  // ClaimPhoneNumber documents its token as a lower-case UUID (Terraform generates one for that reason).
  auto token = in.opt_string("ClientToken");
  if (token && !is_lower_uuid(*token))
    errors::raise(errors::kInvalidParameter,
                  "1 validation error detected: Value '" + *token +
                      "' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression "
                      "pattern: ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$");
}

void check_prefix(const Value& in) {
  auto prefix = in.opt_string("PhoneNumberPrefix");
  if (prefix && (prefix->empty() || (*prefix)[0] != '+'))
    errors::raise(errors::kInvalidParameter,
                  "1 validation error detected: Value '" + *prefix +
                      "' at 'phoneNumberPrefix' failed to satisfy constraint: Member must contain + as part of the "
                      "country code, e.g. +1 or +1206");
}

}  // namespace

Service::Target Service::resolve_target(store::ReadTxn& t, const RequestContext& ctx, const Value& in, Access access) {
  auto instance = in.opt_string("InstanceId");
  auto target = in.opt_string("TargetArn");
  if (!instance && !target) errors::raise(errors::kInvalidParameter, "Either InstanceId or TargetArn must be provided");
  Target resolved;
  if (target) {
    const auto ref = parse_resource_ref(*target, ResourceKind::Instance | ResourceKind::TrafficDistributionGroup,
                                        caller_of(ctx), RefOptions{false, {}});
    if (!ref) {
      switch (ref.error) {
        case RefError::OtherAccount:
        case RefError::NoSuchId: errors::raise(errors::kResourceNotFound, "Target not found: " + *target);
        case RefError::OtherRegion:
          errors::raise(errors::kInvalidParameter,
                        "The endpoint you are calling is not in the same Region where the target was created");
        default:
          errors::raise(errors::kInvalidParameter,
                        "TargetArn must be the ARN of an instance or a traffic distribution group: " + *target);
      }
    }
    if (ref->kind == ResourceKind::TrafficDistributionGroup) {
      // Searches and lists reach a group from its instance's replica region too (by ARN).
      auto group = require_group(t, ctx, *target, access);
      if (group_status(group, ctx.now_ms) != "ACTIVE")
        errors::raise(errors::kResourceNotFound, "Traffic distribution group not found or not ACTIVE: " + *target);
      resolved = {arn::traffic_distribution_group(group.region, group.account_id, group.id), group.region,
                  group.instance_id, true};
    } else {
      if (ref->region != ctx.region)
        errors::raise(errors::kInvalidParameter,
                      "The endpoint you are calling is not in the same Region where the instance was created");
      auto r = require_instance(t, ctx, *target);
      resolved = {arn::instance(r.region, r.account_id, r.id), r.region, r.id, false};
    }
  }
  if (instance) {
    auto r = require_instance(t, ctx, *instance);
    Target from_instance{arn::instance(r.region, r.account_id, r.id), r.region, r.id, false};
    if (target && from_instance.arn != resolved.arn)
      errors::raise(errors::kInvalidParameter, "InstanceId and TargetArn identify different targets");
    resolved = from_instance;
  }
  return resolved;
}

std::optional<store::TrafficDistributionGroupRecord> Service::group_of_target(store::ReadTxn& t,
                                                                              const std::string& account_id,
                                                                              const std::string& target_arn) {
  // Stored target ARNs are canonical; the account is the caller's and the region the ARN's own.
  const auto ref = parse_resource_ref(target_arn, kinds(ResourceKind::TrafficDistributionGroup), Caller{account_id, {}},
                                      RefOptions{false, {}});
  if (!ref) return std::nullopt;
  return t.traffic_distribution_group({account_id, ref->region}, ref->id);
}

store::PhoneNumberRecord Service::require_phone_number(store::ReadTxn& t, const RequestContext& ctx,
                                                       const std::string& id_or_arn, Access access) {
  const auto ref = parse_resource_ref(id_or_arn, kinds(ResourceKind::PhoneNumber), caller_of(ctx));
  if (!ref) phone_not_found(id_or_arn);
  const std::string& id = ref->id;
  const std::string& region = ref->region;
  auto r = t.phone_number(ctx.account_id, id);
  if (!r || r->region != region) phone_not_found(id_or_arn);
  if (ctx.now_ms >= r->vanishes_ms) phone_not_found(id_or_arn);  // a FAILED claim vanishes after its hold
  if (r->region != ctx.region) {
    // Another region sees a number only when it is claimed to a traffic distribution group whose
    // instance is replicated there, and only through its full ARN.
    auto group = group_of_target(t, ctx.account_id, r->target_arn);
    std::optional<store::InstanceRecord> source;
    if (group) source = t.instance({ctx.account_id, group->region}, group->instance_id);
    if (!source || source->replica_region != ctx.region) phone_not_found(id_or_arn);
    if (access == Access::Home)
      errors::raise(errors::kInvalidParameter,
                    ctx.operation + " must be called in the Region where the phone number was claimed (" + r->region +
                        "): the endpoint you are calling is not in that Region");
  }
  return *r;
}

bool Service::claimed_to_instance(store::ReadTxn& t, const store::PhoneNumberRecord& r,
                                  const store::InstanceRecord& inst) {
  if (r.target_arn == arn::instance(r.region, inst.account_id, inst.id)) return true;
  auto group = group_of_target(t, inst.account_id, r.target_arn);
  return group && group->instance_id == inst.id;
}

void Service::require_not_in_progress(const RequestContext& ctx, const store::PhoneNumberRecord& r) {
  if (ctx.now_ms >= r.settles_ms) return;
  const std::string arn = arn::phone_number(r.region, r.account_id, r.id);
  errors::raise_in_use("The phone number " + arn + " has a workflow in progress; try again when it completes.",
                       "PHONE_NUMBER", arn);
}

void Service::check_claim_release_rule(store::ReadTxn& t, const RequestContext& ctx, const Quotas& q) {
  if (!q.claim_release_rule) return;
  const Millis window = q.claim_release_window_days * kDayMs;
  const int64_t limit = static_cast<int64_t>(q.claim_release_ratio * static_cast<double>(q.phone_numbers_per_instance));
  const auto releases = t.releases_since(scope_of(ctx), ctx.now_ms - window);
  const int64_t released = releases.count;
  if (released == 0 || released < limit) return;
  const Millis oldest = releases.oldest_ms.value_or(ctx.now_ms);
  errors::raise(errors::kInvalidParameter, "Phone number claim limit exceeded: this account released " +
                                               std::to_string(released) + " phone numbers in this Region in the last " +
                                               std::to_string(q.claim_release_window_days) + " days, the limit is " +
                                               std::to_string(limit) + ". You can claim phone numbers again after " +
                                               iso8601_utc(oldest + window) + ".");
}

std::optional<std::string> Service::failure_for(store::WriteTxn& t, const RequestContext& ctx, const Target& target,
                                                const std::string& number, const Quotas& q, bool same_target) {
  if (auto candidate = faults_.claim_failure_for(ctx.operation, number))
    if (auto fired = fire_fault(t, *candidate)) return fired->claim_failure;
  // The target was read (and so locked) by resolve_target: this count stays exact until commit.
  const int64_t held = t.count_quota_numbers(target.arn) - (same_target ? 1 : 0);
  if (held >= q.phone_numbers_per_instance) return std::string(kQuotaFailure);
  return std::nullopt;
}

void Service::start_workflow(store::PhoneNumberRecord& r, const RequestContext& ctx, const char* workflow,
                             std::optional<std::string> failure) const {
  r.workflow = workflow;
  r.started_ms = ctx.now_ms;
  r.settles_ms = ctx.now_ms + config_.transient_delay_ms;
  r.failed_message = std::move(failure);
  r.counts_toward_quota = !r.failed_message;
  // Only a FAILED claim vanishes; a FAILED update keeps the number, as the real service does.
  r.vanishes_ms = r.failed_message && r.workflow == "CLAIM" ? r.settles_ms + kFailedHoldMs : store::kNever;
}

store::PhoneNumberRecord Service::record_claim(store::WriteTxn& t, const RequestContext& ctx, const Target& target,
                                               const std::string& number, const std::string& country,
                                               const std::string& type, const Value& in) {
  const Quotas q = load_quotas(t, scope_of(ctx), config_.default_quotas);
  check_claim_release_rule(t, ctx, q);
  store::PhoneNumberRecord r;
  r.id = ids_.uuid();
  r.account_id = ctx.account_id;
  r.region = ctx.region;
  r.number = number;
  r.country = country;
  r.type = type;
  r.target_arn = target.arn;
  r.description = in.opt_string("PhoneNumberDescription");
  r.source_arn = in.opt_string("SourcePhoneNumberArn");
  start_workflow(r, ctx, "CLAIM", failure_for(t, ctx, target, number, q));
  t.purge_vanished(number, ctx.now_ms);
  if (!t.take_hold(number, r.vanishes_ms, r.id, ctx.now_ms)) {
    // Within the day a FAILED claim holds its number, its account may claim it again (the model's
    // "you have one day to retry claiming the phone number"); nobody else can.
    auto holder = t.holder_of(number, ctx.now_ms);
    if (!holder || holder->account_id != ctx.account_id || holder->workflow != "CLAIM" || !holder->failed_message ||
        ctx.now_ms < holder->settles_ms || !t.take_hold(number, r.vanishes_ms, r.id, ctx.now_ms, holder->id))
      not_available(number);
    t.delete_phone_number(holder->id);
    t.delete_all_tags(arn::phone_number(holder->region, holder->account_id, holder->id));
  }
  // Every node's search index learns of the hold once it is durable.
  t.publish({store::Change::Kind::Hold, number, r.vanishes_ms, 0});
  t.insert_phone_number(r);
  put_input_tags(t, arn::phone_number(r.region, r.account_id, r.id), in.find("Tags"));
  return r;
}

void Service::release_in(store::WriteTxn& t, const RequestContext& ctx, const store::PhoneNumberRecord& r,
                         const Quotas& q) {
  t.delete_phone_number(r.id);
  t.delete_all_tags(arn::phone_number(r.region, r.account_id, r.id));
  const Millis cooldown_until = ctx.now_ms + q.cooldown_days * kDayMs;
  t.set_hold(r.number, cooldown_until);
  t.insert_release(scope_of(ctx), ctx.now_ms, r.number);
  t.publish({store::Change::Kind::Hold, r.number, cooldown_until, 0});
}

namespace {
// The members ListPhoneNumbersV2 and DescribePhoneNumber share.
Value number_summary(const store::PhoneNumberRecord& r) {
  Value v = Value::map();
  v.set("PhoneNumberId", r.id);
  v.set("PhoneNumberArn", arn::phone_number(r.region, r.account_id, r.id));
  v.set("PhoneNumber", r.number);
  v.set("PhoneNumberCountryCode", r.country);
  v.set("PhoneNumberType", r.type);
  v.set("TargetArn", r.target_arn);
  if (auto target = parse_resource_ref(r.target_arn, kinds(ResourceKind::Instance), Caller{r.account_id, r.region},
                                       RefOptions{false, {}}))
    v.set("InstanceId", target->id);
  if (r.description) v.set("PhoneNumberDescription", *r.description);
  if (r.source_arn) v.set("SourcePhoneNumberArn", *r.source_arn);
  return v;
}
}  // namespace

Value Service::claimed_summary(store::ReadTxn& t, const RequestContext& ctx, const store::PhoneNumberRecord& r) {
  Value v = number_summary(r);
  Value status = Value::map();
  status.set("Status", status_of(r, ctx.now_ms));
  if (ctx.now_ms >= r.settles_ms && r.failed_message) status.set("Message", *r.failed_message);
  v.set("PhoneNumberStatus", std::move(status));
  v.set("Tags", tags_value(t.tags(arn::phone_number(r.region, r.account_id, r.id))));
  return v;
}

Value Service::claim_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  check_claim_token(in);
  const std::string number = in.string_or("PhoneNumber", "");
  auto block = inventory_.block_of(number);
  return idempotent(ctx, in, t, [&] {
    const Target target = resolve_target(t, ctx, in);
    if (!block) not_available(number);
    // A UIFN block ("*") serves every country; its numbers are reported under US.
    const std::string country = block->spec.country == "*" ? "US" : block->spec.country;
    return number_reference(record_claim(t, ctx, target, number, country, block->spec.type, in));
  });
}

Value Service::import_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  const std::string source = in.string_or("SourcePhoneNumberArn", "");
  auto a = Arn::parse(source);
  const bool shaped = a && a->partition == "aws" && a->service == "sms-voice" &&
                      a->resource.rfind("phone-number/phone-", 0) == 0 && a->resource.size() == 19 + 32 &&
                      a->resource.find_first_not_of("0123456789abcdef", 19) == std::string::npos;
  if (!shaped)
    errors::raise(errors::kInvalidParameter,
                  "SourcePhoneNumberArn must be an AWS End User Messaging phone number ARN "
                  "(arn:aws:sms-voice:<region>:<account>:phone-number/phone-<32 hex>): " +
                      source);
  return idempotent(ctx, in, t, [&] {
    if (a->region != ctx.region || a->account_id != ctx.account_id)
      errors::raise(errors::kResourceNotFound, "Phone number not found: " + source);
    auto ext = t.external_number(source);
    if (!ext) errors::raise(errors::kResourceNotFound, "Phone number not found: " + source);
    const Target target = resolve_target(t, ctx, in);
    return number_reference(record_claim(t, ctx, target, ext->number, ext->country, ext->type, in));
  });
}

Value Service::search_available_phone_numbers(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  check_prefix(in);
  const std::string country = in.string_or("PhoneNumberCountryCode", "");
  const std::string type = in.string_or("PhoneNumberType", "");
  const std::string prefix = in.string_or("PhoneNumberPrefix", "");
  Target target;
  try {
    target = resolve_target(t, ctx, in, Access::FromReplica);
  } catch (const AwsException& e) {
    // Search models no ResourceNotFoundException: an unknown target is a bad parameter.
    if (e.error().code != errors::kResourceNotFound) throw;
    errors::raise(errors::kInvalidParameter, e.error().message);
  }
  const Page page = open_page(ctx, in, kSearchDefault, country + "\n" + type + "\n" + prefix + "\n" + target.arn);
  auto found = inventory_.search(country, type, prefix, page.after, static_cast<size_t>(page.limit), ctx.now_ms);
  Value list = Value::list();
  for (const auto& n : found.numbers) {
    Value v = Value::map();
    v.set("PhoneNumber", n);
    v.set("PhoneNumberCountryCode", country);
    v.set("PhoneNumberType", type);
    list.push_back(std::move(v));
  }
  Value out = Value::map();
  out.set("AvailableNumbersList", std::move(list));
  if (found.more && !found.numbers.empty()) out.set("NextToken", tokens_->make(page.binding, found.numbers.back()));
  return out;
}

Value Service::describe_phone_number(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  Value out = Value::map();
  auto r = require_phone_number(t, ctx, in.string_or("PhoneNumberId", ""), Access::FromReplica);
  out.set("ClaimedPhoneNumberSummary", claimed_summary(t, ctx, r));
  return out;
}

Value Service::release_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  return idempotent(ctx, in, t, [&] {
    auto r = require_phone_number(t, ctx, in.string_or("PhoneNumberId", ""));
    require_not_in_progress(ctx, r);
    release_in(t, ctx, r, load_quotas(t, scope_of(ctx), config_.default_quotas));
    return Value::map();
  });
}

Value Service::list_phone_numbers_v2(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  check_prefix(in);
  store::PhoneNumberQuery q;
  q.account_id = ctx.account_id;
  q.region = ctx.region;
  q.countries = strings_of(in.find("PhoneNumberCountryCodes"));
  q.types = strings_of(in.find("PhoneNumberTypes"));
  q.prefix = in.string_or("PhoneNumberPrefix", "");
  q.now_ms = ctx.now_ms;
  Value out = Value::map();
  if (in.has("InstanceId") || in.has("TargetArn")) {
    const Target target = resolve_target(t, ctx, in, Access::FromReplica);
    q.target_arn = target.arn;
    q.region = target.region;  // a group's numbers live in its home region
  }
  const Page page =
      open_page(ctx, in, kListDefault,
                q.target_arn.value_or("") + "\n" + join(q.countries) + "\n" + join(q.types) + "\n" + q.prefix);
  q.after_number = page.after;
  q.limit = page.fetch();
  auto rows = t.phone_numbers(q);
  close_page(page, rows, out, [](const store::PhoneNumberRecord& r) { return r.number; });
  Value list = Value::list();
  for (const auto& r : rows) list.push_back(number_summary(r));
  out.set("ListPhoneNumbersSummaryList", std::move(list));
  return out;
}

Value Service::list_phone_numbers(const RequestContext& ctx, const Value& in, store::ReadTxn& t) {
  store::PhoneNumberQuery q;
  q.account_id = ctx.account_id;
  q.region = ctx.region;
  q.countries = strings_of(in.find("PhoneNumberCountryCodes"));
  const auto v1_types = strings_of(in.find("PhoneNumberTypes"));
  for (const auto& ty : v1_types) {
    if (ty == "TOLL_FREE")
      q.types.insert(q.types.end(), {"TOLL_FREE", "UIFN", "THIRD_PARTY_TF"});
    else if (ty == "DID")
      q.types.insert(q.types.end(), {"DID", "SHARED", "THIRD_PARTY_DID", "SHORT_CODE"});
    else
      q.types.emplace_back("-");  // a type v1 never reports matches nothing
  }
  q.claimed_only = true;
  q.now_ms = ctx.now_ms;
  Value out = Value::map();
  {
    auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
    q.target_arn = arn::instance(inst.region, inst.account_id, inst.id);
    const Page page =
        open_page(ctx, in, kListDefault, *q.target_arn + "\n" + join(q.countries) + "\n" + join(v1_types));
    q.after_number = page.after;
    q.limit = page.fetch();
    auto rows = t.phone_numbers(q);
    close_page(page, rows, out, [](const store::PhoneNumberRecord& r) { return r.number; });
    Value list = Value::list();
    for (const auto& r : rows) {
      Value v = Value::map();
      v.set("Id", r.id);
      v.set("Arn", arn::instance(r.region, r.account_id, inst.id) + "/phone-number/" + r.id);
      v.set("PhoneNumber", r.number);
      v.set("PhoneNumberType", v1_type(r.type));
      v.set("PhoneNumberCountryCode", r.country);
      list.push_back(std::move(v));
    }
    out.set("PhoneNumberSummaryList", std::move(list));
  }
  return out;
}

Value Service::update_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  return idempotent(ctx, in, t, [&] {
    auto r = require_phone_number(t, ctx, in.string_or("PhoneNumberId", ""));
    require_not_in_progress(ctx, r);
    const Target target = resolve_target(t, ctx, in);
    const Quotas q = load_quotas(t, scope_of(ctx), config_.default_quotas);
    const bool same_target = target.arn == r.target_arn && r.counts_toward_quota;
    start_workflow(r, ctx, "UPDATE", failure_for(t, ctx, target, r.number, q, same_target));
    r.target_arn = target.arn;
    r.flow_arn.reset();  // a move never carries the flow association
    t.update_phone_number(r);
    return number_reference(r);
  });
}

Value Service::update_phone_number_metadata(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  return idempotent(ctx, in, t, [&] {
    auto r = require_phone_number(t, ctx, in.string_or("PhoneNumberId", ""));
    require_not_in_progress(ctx, r);
    if (auto d = in.opt_string("PhoneNumberDescription")) r.description = *d;
    start_workflow(r, ctx, "METADATA", std::nullopt);
    t.update_phone_number(r);
    return Value::map();
  });
}

Value Service::associate_phone_number_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  {
    auto r = require_phone_number(t, ctx, in.string_or("PhoneNumberId", ""), Access::FromReplica);
    auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
    if (!claimed_to_instance(t, r, inst))
      errors::raise(errors::kResourceNotFound, "The phone number is not claimed to instance " + inst.id);
    if (status_of(r, ctx.now_ms) != "CLAIMED")
      errors::raise(errors::kInvalidParameter, "The phone number must be CLAIMED to be associated with a flow");
    auto flow = require_flow(t, ctx, inst.id, in.string_or("ContactFlowId", ""));
    r.flow_arn = arn::contact_flow(flow.region, flow.account_id, flow.instance_id, flow.id);
    t.update_phone_number(r);
  }
  return Value::map();
}

Value Service::disassociate_phone_number_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t) {
  {
    auto r = require_phone_number(t, ctx, in.string_or("PhoneNumberId", ""), Access::FromReplica);
    auto inst = require_instance(t, ctx, in.string_or("InstanceId", ""));
    if (!claimed_to_instance(t, r, inst))
      errors::raise(errors::kResourceNotFound, "The phone number is not claimed to instance " + inst.id);
    r.flow_arn.reset();
    t.update_phone_number(r);
  }
  return Value::map();
}

}  // namespace cl::connect
