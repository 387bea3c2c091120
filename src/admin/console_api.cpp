// The console's endpoints: which (account, region) scopes hold anything, one scope's state, and
// Search/Claim/Release run through the domain Service for a scope (no SigV4 in the browser).
#include <algorithm>

#include "admin/admin.hpp"
#include "admin/responses.hpp"
#include "common/arn.hpp"
#include "common/aws_error.hpp"
#include "common/ids.hpp"

namespace cl::admin {

namespace {

constexpr Millis kDayMs = 24LL * 3600 * 1000;
constexpr int kListLimit = 1000;                          // rows per list in a state answer
constexpr int kReleaseLimit = 5000;                       // distinct release instants walked for the chart
constexpr const char* kAccountsKey = "console_accounts";  // accounts the console was asked about

// The regions probed for scopes: Amazon Connect's, and the replication targets.
constexpr const char* kRegions[] = {"us-east-1",      "us-west-2",      "af-south-1",     "ap-northeast-1",
                                    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
                                    "ca-central-1",   "eu-central-1",   "eu-west-2",      "us-gov-west-1",
                                    "eu-west-1",      "us-east-2",      "us-west-1",      "eu-west-3",
                                    "eu-north-1",     "ap-south-1",     "sa-east-1",      "me-south-1"};

double seconds(Millis ms) { return static_cast<double>(ms) / 1000.0; }

// The HTTP status of a domain error the console shows: the model's classes, without the model.
unsigned status_of(const AwsError& e) {
  if (e.http_status) return static_cast<unsigned>(e.http_status);
  if (auto s = non_model_error_status(e.code)) return static_cast<unsigned>(*s);
  if (e.code == errors::kResourceNotFound) return 404;
  if (e.code == errors::kResourceInUse || e.code == errors::kResourceConflict || e.code == errors::kIdempotency)
    return 409;
  if (e.code == errors::kAccessDenied) return 403;
  if (e.code == errors::kThrottling) return 429;
  if (e.code == errors::kInternalService) return 500;
  return 400;
}

std::string number_status(const store::PhoneNumberRecord& r, Millis now) {
  if (now < r.settles_ms) return "IN_PROGRESS";
  return r.failed_message ? "FAILED" : "CLAIMED";
}

Value tags_value(const store::TagMap& tags) {
  Value v = Value::map();
  for (const auto& [k, val] : tags) v.set(k, val);
  return v;
}

}  // namespace

void Admin::remember(const store::Scope& scope) {
  std::lock_guard lock(accounts_mutex_);
  if (!accounts_.insert(scope.account_id).second) return;
  std::string joined;
  for (const auto& a : accounts_) joined += (joined.empty() ? "" : ",") + a;
  store_.write([&](store::WriteTxn& t) { t.put_setting(kAccountsKey, joined); });
}

http::Response Admin::accounts() {
  // The store has no index of scopes: probe the known accounts in every Connect region.
  std::set<std::string> accounts;
  {
    std::lock_guard lock(accounts_mutex_);
    accounts = accounts_;
  }
  accounts.insert("000000000000");
  const Millis now = service_.now_ms();
  Value list = Value::list();
  store_.read([&](store::ReadTxn& t) {
    list = Value::list();  // a read may run again (Store::read): keep only the last run's rows
    if (auto saved = t.setting(kAccountsKey)) {
      size_t start = 0;
      while (start <= saved->size()) {
        size_t end = saved->find(',', start);
        if (end == std::string::npos) end = saved->size();
        if (end > start) accounts.insert(saved->substr(start, end - start));
        start = end + 1;
      }
    }
    for (const auto& account : accounts) {
      for (const char* region : kRegions) {
        const store::Scope scope{account, region};
        const int64_t instances = t.count_instances(scope);
        store::PhoneNumberQuery q;
        q.account_id = account;
        q.region = region;
        q.now_ms = now;
        q.limit = kListLimit;
        const int64_t numbers = static_cast<int64_t>(t.phone_numbers(q).size());
        const int64_t releases = t.releases_since(scope, 0).count;
        if (instances == 0 && numbers == 0 && releases == 0) continue;
        Value v = Value::map();
        v.set("account_id", account);
        v.set("region", region);
        v.set("instances", instances);
        v.set("numbers", numbers);
        v.set("releases", releases);
        list.push_back(std::move(v));
      }
    }
  });
  Value out = Value::map();
  out.set("scopes", std::move(list));
  Value known = Value::list();
  for (const auto& a : accounts) known.push_back(a);
  out.set("accounts", std::move(known));
  Value regions = Value::list();
  for (const char* r : kRegions) regions.push_back(r);
  out.set("regions", std::move(regions));
  return json(200, out);
}

http::Response Admin::state(const store::Scope& scope) {
  const Millis now = service_.now_ms();
  const Millis delay = service_.config().transient_delay_ms;
  const connect::Quotas q = service_.quotas(scope);
  const Millis window = q.claim_release_window_days * kDayMs;
  Value out = Value::map();
  out.set("account_id", scope.account_id);
  out.set("region", scope.region);
  out.set("now", seconds(now));
  out.set("quotas", q.to_value());
  store_.read([&](store::ReadTxn& t) {
    Value instances = Value::list();
    for (const auto& r : t.instances(scope, "", kListLimit)) {
      const std::string arn = arn::instance(r.region, r.account_id, r.id);
      Value v = Value::map();
      v.set("id", r.id);
      v.set("arn", arn);
      if (r.alias) v.set("alias", *r.alias);
      v.set("identity_management_type", r.identity_management_type);
      v.set("status", now < r.created_ms + delay ? "CREATION_IN_PROGRESS" : "ACTIVE");
      v.set("created", seconds(r.created_ms));
      if (r.replica_region) v.set("replica_region", *r.replica_region);
      if (r.source_region) v.set("source_region", *r.source_region);
      v.set("numbers", t.count_quota_numbers(arn));
      v.set("quota", q.phone_numbers_per_instance);
      instances.push_back(std::move(v));
    }
    out.set("instances", std::move(instances));

    Value groups = Value::list();
    for (const auto& g : t.traffic_distribution_groups(scope, "", "", kListLimit, now - delay + 1)) {
      const std::string arn = arn::traffic_distribution_group(g.region, g.account_id, g.id);
      Value v = Value::map();
      v.set("id", g.id);
      v.set("arn", arn);
      v.set("name", g.name);
      v.set("instance_id", g.instance_id);
      v.set("is_default", g.is_default);
      v.set("status", g.deleted_ms                 ? "PENDING_DELETION"
                      : now < g.created_ms + delay ? "CREATION_IN_PROGRESS"
                                                   : "ACTIVE");
      v.set("numbers", t.count_quota_numbers(arn));
      v.set("tags", tags_value(t.tags(arn)));
      groups.push_back(std::move(v));
    }
    out.set("groups", std::move(groups));

    store::PhoneNumberQuery pq;
    pq.account_id = scope.account_id;
    pq.region = scope.region;
    pq.now_ms = now;
    pq.limit = kListLimit;
    Value numbers = Value::list();
    for (const auto& r : t.phone_numbers(pq)) {
      const std::string arn = arn::phone_number(r.region, r.account_id, r.id);
      Value v = Value::map();
      v.set("id", r.id);
      v.set("arn", arn);
      v.set("phone_number", r.number);
      v.set("status", number_status(r, now));
      if (now >= r.settles_ms && r.failed_message) v.set("message", *r.failed_message);
      v.set("workflow", r.workflow);
      v.set("target_arn", r.target_arn);
      v.set("type", r.type);
      v.set("country", r.country);
      if (r.description) v.set("description", *r.description);
      if (r.flow_arn)
        v.set("flow_arn", *r.flow_arn);
      else
        v.set("flow_arn", nullptr);
      v.set("tags", tags_value(t.tags(arn)));
      numbers.push_back(std::move(v));
    }
    out.set("numbers", std::move(numbers));

    // Releases of the last two windows, so the chart can draw the trailing count over the past
    // window; each instant is found by walking oldest_release_since forward.
    Value times = Value::list();
    Millis since = now - 2 * window;
    for (int i = 0; i < kReleaseLimit; ++i) {
      const auto at = t.releases_since(scope, since).oldest_ms;
      if (!at) break;
      const int64_t n = t.releases_since(scope, since).count - t.releases_since(scope, *at).count;
      for (int64_t k = 0; k < n; ++k) times.as_list().emplace_back(seconds(*at));
      since = *at;
    }
    const Millis window_start = now - window;
    const store::ReleaseCount in_window_count = t.releases_since(scope, window_start);
    const int64_t in_window = in_window_count.count;
    const auto limit = static_cast<int64_t>(q.claim_release_ratio * static_cast<double>(q.phone_numbers_per_instance));
    Value rel = Value::map();
    rel.set("times", std::move(times));
    rel.set("in_window", in_window);
    rel.set("limit", limit);
    rel.set("window_days", q.claim_release_window_days);
    rel.set("rule", q.claim_release_rule);
    rel.set("cooldown_days", q.cooldown_days);
    const bool blocked = q.claim_release_rule && in_window > 0 && in_window >= limit;
    rel.set("blocked", blocked);
    if (blocked) {
      const Millis oldest = in_window_count.oldest_ms.value_or(now);
      rel.set("claim_again_at", seconds(oldest + window));
    } else {
      rel.set("claim_again_at", nullptr);
    }
    out.set("releases", std::move(rel));
  });
  return json(200, out);
}

http::Response Admin::domain_call(const store::Scope& scope, const std::string& operation, const Value& input) {
  remember(scope);
  RequestContext ctx;
  ctx.account_id = scope.account_id;
  ctx.region = scope.region;
  ctx.request_id = fast_uuid();
  ctx.operation = operation;
  ctx.validation_error = errors::kInvalidParameter;
  ctx.now_ms = clock_.now_ms();
  try {
    return json(200, service_.call(ctx, input));
  } catch (const AwsException& e) {
    Value v = Value::map();
    v.set("error", e.error().message);
    v.set("code", e.error().code);
    return json(status_of(e.error()), v);
  }
}

}  // namespace cl::admin
