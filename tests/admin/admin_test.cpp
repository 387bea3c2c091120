#include "admin/admin.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>

#include "common/value_json.hpp"
#include "inventory/inventory.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace cl::admin {
namespace {

class AdminTest : public ::testing::Test {
 protected:
  OffsetClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<store::Store> store = store::open_sqlite(store::SqliteOptions::memory());
  inventory::NumberPlan plan;
  inventory::Inventory inventory{plan};
  Metrics metrics;
  connect::Service service{*store,
                           plan,
                           inventory,
                           clock,
                           ids,
                           connect::ServiceConfig{},
                           [this](Millis offset) { clock.set_offset_ms(offset); }};
  Admin admin{AdminConfig{"1.2.3", "", true, "sqlite"}, clock, service, *store, metrics};

  void SetUp() override { service.start({{"US", "DID", "+1206555", 12}}); }

  // A request as a local client sends it: to a loopback Host, JSON bodies with their content type.
  static http::Request request(const std::string& method, const std::string& target, const std::string& body = "") {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers.push_back({"Host", "127.0.0.1:4570"});
    if (method == "POST" || method == "PUT") r.headers.push_back({"Content-Type", "application/json"});
    return r;
  }

  std::pair<unsigned, Value> call(const std::string& method, const std::string& target, const std::string& body = "",
                                  Admin* which = nullptr) {
    http::Request r = request(method, target, body);
    http::Response resp = (which ? *which : admin).handle(r);
    Value v;
    from_json(resp.body, v);
    return {resp.status, v};
  }
};

TEST_F(AdminTest, HealthNamesVersionAndStore) {
  auto [status, v] = call("GET", "/_connect-local/health");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.string_or("status", ""), "ok");
  EXPECT_EQ(v.string_or("version", ""), "1.2.3");
  EXPECT_EQ(v.string_or("store", ""), "sqlite");
}

// A store that can no longer promise durability (a failed sync of the WAL) makes health 503, with
// the reason, so that a supervisor restarts the server.
TEST_F(AdminTest, HealthIsFailingOnceTheWalCouldNotBeSynced) {
  test::TempDir dir("cl-admin-sync-");
  std::atomic<bool> fail{false};
  store::SqliteOptions o = store::SqliteOptions::on_disk(dir.str());
  o.sync_wal = [&](int) { return fail.load() ? EIO : 0; };
  auto disk = store::open_sqlite(o);
  Admin on_disk{AdminConfig{"1.2.3", "", true, "sqlite"}, clock, service, *disk, metrics};
  EXPECT_EQ(call("GET", "/_connect-local/health", "", &on_disk).first, 200u);
  fail = true;
  EXPECT_THROW(disk->write([](store::WriteTxn& t) { t.put_setting("k", "v"); }), store::StoreFailure);
  auto [status, v] = call("GET", "/_connect-local/health", "", &on_disk);
  EXPECT_EQ(status, 503u);
  EXPECT_EQ(v.string_or("status", ""), "failing");
  EXPECT_NE(v.string_or("reason", "").find("syncing the WAL"), std::string::npos) << v.string_or("reason", "");
  EXPECT_EQ(call("GET", "/_connect-local/health").first, 200u);  // the in-memory store is fine
}

TEST_F(AdminTest, ClockMovesForwardOnlyAndPersists) {
  double before = call("GET", "/_connect-local/clock").second.find("now")->as_double();
  auto [status, v] = call("POST", "/_connect-local/clock", R"({"advance_seconds": 86400})");
  EXPECT_EQ(status, 200u);
  EXPECT_GE(v.find("now")->as_double() - before, 86400.0);
  EXPECT_EQ(call("POST", "/_connect-local/clock", R"({"advance_seconds": -1})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/clock", "not json").first, 400u);
  // A node that starts on the same store takes the shared clock offset.
  OffsetClock restarted;
  inventory::Inventory other_inventory{plan};
  connect::Service other{
      *store, plan, other_inventory, restarted, ids, connect::ServiceConfig{}, [&restarted](Millis offset) {
        restarted.set_offset_ms(offset);
      }};
  other.start({});
  EXPECT_GE(restarted.offset_ms(), 86400000);
}

TEST_F(AdminTest, ClockAdvancesThatWouldOverflowAreRefusedAndChangeNothing) {
  const Millis before = clock.offset_ms();
  for (const char* body : {R"({"advance_seconds": 1e300})", R"({"advance_seconds": 9223372036854775807})",
                           R"({"advance_seconds": "10"})", R"({"advance_seconds": null})", R"({})"})
    EXPECT_EQ(call("POST", "/_connect-local/clock", body).first, 400u) << body;
  EXPECT_EQ(clock.offset_ms(), before);
  EXPECT_EQ(call("POST", "/_connect-local/clock", R"({"advance_seconds": 3153600000})").first, 200u);  // a century
}

TEST_F(AdminTest, QuotasOutOfRangeAreRefused) {
  for (const char* body : {R"({"phone_numbers_per_instance": 1e30})", R"({"cooldown_days": 99999999999})",
                           R"({"claim_release_ratio": 1e308})", R"({"claim_release_window_days": -5})"})
    EXPECT_EQ(call("PUT", "/_connect-local/quotas", body).first, 400u) << body;
  EXPECT_EQ(call("GET", "/_connect-local/quotas").second.opt_int("cooldown_days"), 180);
}

TEST_F(AdminTest, CrossSiteRequestsAreRefused) {
  // DNS rebinding: a name that resolves to loopback but is not a loopback name.
  http::Request rebound = request("POST", "/_connect-local/reset", "{}");
  rebound.headers[0].value = "evil.example:4570";
  EXPECT_EQ(admin.handle(rebound).status, 403u);
  // A page of another origin in the developer's browser.
  http::Request cross = request("POST", "/_connect-local/reset", "{}");
  cross.headers.push_back({"Origin", "http://evil.example"});
  EXPECT_EQ(admin.handle(cross).status, 403u);
  // A form post (no JSON content type), as a cross-site form can send without a preflight.
  http::Request form = request("GET", "/_connect-local/reset");
  form.method = "POST";
  form.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  EXPECT_EQ(admin.handle(form).status, 403u);
  // The console's own origin and plain local clients pass.
  http::Request own = request("GET", "/_connect-local/health");
  own.headers.push_back({"Origin", "http://127.0.0.1:4570"});
  EXPECT_EQ(admin.handle(own).status, 200u);
  EXPECT_EQ(call("GET", "/_connect-local/health").first, 200u);
  http::Request v6 = request("GET", "/_connect-local/health");
  v6.headers[0].value = "[::1]:4570";
  EXPECT_EQ(admin.handle(v6).status, 200u);
}

TEST_F(AdminTest, QuotasArePerAccountAndRegion) {
  auto [status, v] =
      call("PUT", "/_connect-local/quotas", R"({"account_id":"111111111111","region":"eu-west-2","instances":7})");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.opt_int("instances"), 7);
  EXPECT_EQ(call("GET", "/_connect-local/quotas?account_id=111111111111&region=eu-west-2").second.opt_int("instances"),
            7);
  EXPECT_EQ(call("GET", "/_connect-local/quotas?account_id=111111111111&region=us-east-1").second.opt_int("instances"),
            2);
  EXPECT_EQ(call("PUT", "/_connect-local/quotas", R"({"instances":-1})").first, 400u);
  EXPECT_EQ(call("PUT", "/_connect-local/quotas", R"({"claim_release_rule":"yes"})").first, 400u);
}

TEST_F(AdminTest, InventoryBlocksAreCheckedAndListed) {
  EXPECT_EQ(call("POST", "/_connect-local/inventory",
                 R"({"blocks":[{"country":"US","type":"DID","prefix":"+44","length":12}]})")
                .first,
            400u);
  EXPECT_EQ(call("POST", "/_connect-local/inventory", R"({"blocks":[{"country":"US"}]})").first, 400u);
  auto [status, v] = call("POST", "/_connect-local/inventory",
                          R"({"blocks":[{"country":"US","type":"TOLL_FREE","prefix":"+1888555","length":12}]})");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.find("blocks")->as_list().size(), 2u);
}

TEST_F(AdminTest, FaultRulesAddListDelete) {
  EXPECT_EQ(call("POST", "/_connect-local/faults", R"({"operation":"ClaimPhoneNumber"})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/faults",
                 R"({"operation":"ClaimPhoneNumber","error_code":"InternalServiceException","probability":2})")
                .first,
            400u);
  auto [status, v] = call("POST", "/_connect-local/faults",
                          R"({"operation":"ClaimPhoneNumber","error_code":"InternalServiceException"})");
  EXPECT_EQ(status, 200u);
  ASSERT_EQ(v.find("faults")->as_list().size(), 1u);
  EXPECT_EQ(service.fault_rules().size(), 1u);
  EXPECT_EQ(call("DELETE", "/_connect-local/faults").second.find("faults")->as_list().size(), 0u);
  EXPECT_TRUE(service.fault_rules().empty());
}

TEST_F(AdminTest, ResetRestoresTheDefaultInventory) {
  call("POST", "/_connect-local/inventory",
       R"({"blocks":[{"country":"US","type":"TOLL_FREE","prefix":"+1888555","length":12}]})");
  call("POST", "/_connect-local/clock", R"({"advance_seconds": 10})");
  EXPECT_EQ(call("POST", "/_connect-local/reset").first, 200u);
  EXPECT_EQ(call("GET", "/_connect-local/inventory").second.find("blocks")->as_list().size(), 1u);
  EXPECT_EQ(clock.offset_ms(), 0);
}

TEST_F(AdminTest, TokenAndLoopbackGuards) {
  Admin guarded{AdminConfig{"1", "s3cret", true, "sqlite"}, clock, service, *store, metrics};
  EXPECT_EQ(call("GET", "/_connect-local/health", "", &guarded).first, 401u);
  http::Request r = request("GET", "/_connect-local/health");
  r.headers.push_back({"Authorization", "Bearer s3cret"});
  EXPECT_EQ(guarded.handle(r).status, 200u);
  Admin disabled{AdminConfig{"1", "", false, "sqlite"}, clock, service, *store, metrics};
  EXPECT_EQ(call("GET", "/_connect-local/health", "", &disabled).first, 403u);
  EXPECT_EQ(call("GET", "/_connect-local/nope").first, 404u);
}

TEST_F(AdminTest, ASnapshotRoundTripsEveryTableAndABadOneChangesNothing) {
  call("POST", "/_connect-local/inventory",
       R"({"blocks":[{"country":"US","type":"TOLL_FREE","prefix":"+1888555","length":12}]})");
  call("PUT", "/_connect-local/quotas", R"({"account_id":"111111111111","region":"eu-west-2","instances":7})");
  call("POST", "/_connect-local/faults",
       R"({"operation":"ClaimPhoneNumber","error_code":"InternalServiceException","times":3})");
  call("POST", "/_connect-local/clock", R"({"advance_seconds": 3600})");
  auto [status, snapshot] = call("GET", "/_connect-local/snapshot");
  ASSERT_EQ(status, 200u);
  EXPECT_EQ(snapshot.string_or("format", ""), "connect-local-snapshot");
  EXPECT_EQ(snapshot.opt_int("version"), 1);
  // The deployment's page-token key is never exported.
  EXPECT_EQ(to_json(snapshot).find("page_token_key"), std::string::npos);
  const std::string text = to_json(snapshot);

  EXPECT_EQ(call("POST", "/_connect-local/reset").first, 200u);
  EXPECT_EQ(call("GET", "/_connect-local/inventory").second.find("blocks")->as_list().size(), 1u);
  EXPECT_EQ(clock.offset_ms(), 0);

  // Refused with a reason, and nothing changes.
  for (
      const std::string& bad :
      {std::string(R"({"format":"other"})"), std::string(R"({"format":"connect-local-snapshot","version":99})"),
       std::string(R"({"format":"connect-local-snapshot","version":1,"backend":"postgres","tables":{}})"),
       std::string(
           R"({"format":"connect-local-snapshot","version":1,"backend":"sqlite","tables":{"nope":{"columns":["a"],"rows":[]}}})"),
       std::string(
           R"({"format":"connect-local-snapshot","version":1,"backend":"sqlite","tables":{"blocks":{"columns":["id"],"rows":[[1,2]]}}})")}) {
    auto [code, v] = call("PUT", "/_connect-local/snapshot", bad);
    EXPECT_EQ(code, 400u) << bad;
    EXPECT_FALSE(v.string_or("error", "").empty()) << bad;
  }
  EXPECT_EQ(call("GET", "/_connect-local/inventory").second.find("blocks")->as_list().size(), 1u);

  EXPECT_EQ(call("PUT", "/_connect-local/snapshot", text).first, 200u);
  EXPECT_EQ(call("GET", "/_connect-local/inventory").second.find("blocks")->as_list().size(), 2u);
  EXPECT_EQ(call("GET", "/_connect-local/quotas?account_id=111111111111&region=eu-west-2").second.opt_int("instances"),
            7);
  ASSERT_EQ(service.fault_rules().size(), 1u);
  EXPECT_EQ(service.fault_rules()[0].times, 3);
  EXPECT_GE(clock.offset_ms(), 3600000);
  // Exporting again gives the same tables.
  Value again = call("GET", "/_connect-local/snapshot").second;
  EXPECT_EQ(*again.find("tables"), *snapshot.find("tables"));
}

TEST_F(AdminTest, MetricsAreServed) {
  metrics.record_request("ClaimPhoneNumber", "OK", 0.001);
  http::Response resp = admin.handle(request("GET", "/metrics"));
  EXPECT_EQ(resp.status, 200u);
  EXPECT_NE(resp.body.find("connect_local_requests_total{operation=\"ClaimPhoneNumber\",code=\"OK\"} 1"),
            std::string::npos);
  EXPECT_NE(resp.body.find("connect_local_claims_total 1"), std::string::npos);
}

http::Request raw_request(const std::string& method, const std::string& target,
                          std::vector<std::pair<std::string, std::string>> headers, std::string body = "") {
  http::Request r;
  r.method = method;
  r.target = target;
  r.body = std::move(body);
  for (auto& [k, v] : headers) r.headers.push_back({k, v});
  return r;
}

TEST_F(AdminTest, ConsoleFilesAreServedWithAStrictPolicy) {
  auto page = admin.handle(raw_request("GET", "/console", {{"Host", "127.0.0.1:4570"}}));
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("<title>connect-local console</title>"), std::string::npos);
  bool csp = false;
  for (const auto& [k, v] : page.headers)
    if (k == "Content-Security-Policy") csp = v.find("frame-ancestors 'none'") != std::string::npos;
  EXPECT_TRUE(csp);
  EXPECT_EQ(admin.handle(raw_request("GET", "/console/console.js", {{"Host", "localhost:4570"}})).status, 200u);
  EXPECT_EQ(admin.handle(raw_request("GET", "/console/nope.js", {{"Host", "localhost:4570"}})).status, 404u);
  EXPECT_EQ(admin.handle(raw_request("POST", "/console", {{"Host", "localhost"}, {"Content-Type", "application/json"}}))
                .status,
            405u);
  // The same guards as the API: no rebinding, no framing or reading by another origin.
  EXPECT_EQ(admin.handle(raw_request("GET", "/console", {{"Host", "evil.example:4570"}})).status, 403u);
  EXPECT_EQ(
      admin.handle(raw_request("GET", "/console", {{"Host", "localhost"}, {"Origin", "http://evil.example"}})).status,
      403u);
}

TEST_F(AdminTest, ConsoleClaimsStatesAndReleases) {
  RequestContext ctx;
  ctx.account_id = "111111111111";
  ctx.region = "us-east-1";
  ctx.operation = "CreateInstance";
  Value in = Value::map();
  in.set("IdentityManagementType", "CONNECT_MANAGED");
  in.set("InstanceAlias", "shop");
  in.set("InboundCallsEnabled", true);
  in.set("OutboundCallsEnabled", true);
  const std::string arn = service.call(ctx, in).string_or("Arn", "");
  ASSERT_FALSE(arn.empty());
  auto [found, search] = call("POST", "/_connect-local/search",
                              R"({"account_id":"111111111111","region":"us-east-1","target_arn":")" + arn +
                                  R"(","country":"US","type":"DID","max_results":1})");
  ASSERT_EQ(found, 200u) << to_json(search);
  const std::string number = search.find("AvailableNumbersList")->as_list().at(0).string_or("PhoneNumber", "");
  auto [claimed, claim] = call("POST", "/_connect-local/claim",
                               R"({"account_id":"111111111111","region":"us-east-1","target_arn":")" + arn +
                                   R"(","phone_number":")" + number + R"("})");
  ASSERT_EQ(claimed, 200u) << to_json(claim);
  EXPECT_EQ(call("POST", "/_connect-local/claim",
                 R"({"account_id":"111111111111","region":"us-east-1","target_arn":")" + arn + R"(","phone_number":")" +
                     number + R"("})")
                .first,
            400u);
  auto [ok, state] = call("GET", "/_connect-local/state?account_id=111111111111&region=us-east-1");
  ASSERT_EQ(ok, 200u);
  ASSERT_EQ(state.find("numbers")->as_list().size(), 1u);
  EXPECT_EQ(state.find("numbers")->as_list()[0].string_or("status", ""), "IN_PROGRESS");
  EXPECT_EQ(state.find("instances")->as_list()[0].opt_int("numbers"), 1);
  const std::string id = claim.string_or("PhoneNumberId", "");
  EXPECT_EQ(
      call("POST", "/_connect-local/release", R"({"account_id":"111111111111","phone_number_id":")" + id + R"("})")
          .first,
      409u);  // in progress
  call("POST", "/_connect-local/clock", R"({"advance_seconds": 3})");
  state = call("GET", "/_connect-local/state?account_id=111111111111&region=us-east-1").second;
  EXPECT_EQ(state.find("numbers")->as_list()[0].string_or("status", ""), "CLAIMED");
  EXPECT_EQ(
      call("POST", "/_connect-local/release", R"({"account_id":"111111111111","phone_number_id":")" + id + R"("})")
          .first,
      200u);
  state = call("GET", "/_connect-local/state?account_id=111111111111&region=us-east-1").second;
  EXPECT_TRUE(state.find("numbers")->as_list().empty());
  EXPECT_EQ(state.find("releases")->opt_int("in_window"), 1);
  EXPECT_EQ(state.find("releases")->find("times")->as_list().size(), 1u);
  auto [listed, scopes] = call("GET", "/_connect-local/accounts");
  ASSERT_EQ(listed, 200u);
  ASSERT_EQ(scopes.find("scopes")->as_list().size(), 1u);
  EXPECT_EQ(scopes.find("scopes")->as_list()[0].string_or("account_id", ""), "111111111111");
  EXPECT_EQ(call("GET", "/_connect-local/state?account_id=12&region=us-east-1").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/search", R"({"max_results":"ten"})").first, 400u);
}

}  // namespace
}  // namespace cl::admin
