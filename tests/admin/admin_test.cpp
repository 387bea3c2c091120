#include "admin/admin.hpp"

#include <gtest/gtest.h>

#include "common/value_json.hpp"
#include "inventory/inventory.hpp"

namespace cl::admin {
namespace {

class AdminTest : public ::testing::Test {
 protected:
  OffsetClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<store::Store> store = store::open_sqlite(store::SqliteOptions::memory());
  inventory::NumberPlan plan;
  inventory::Inventory inventory{plan};
  connect::FaultRules faults;
  Metrics metrics;
  connect::Service service{*store, plan, inventory, faults, ids, PageTokens("k"), connect::ServiceConfig{}};
  Admin admin{AdminConfig{"1.2.3", "", true}, *store, clock, service, faults, metrics};

  void SetUp() override { service.load_inventory({{"US", "DID", "+1206555", 12}}, clock.now_ms()); }

  std::pair<unsigned, Value> call(const std::string& method, const std::string& target, const std::string& body = "",
                                  Admin* which = nullptr) {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (method == "POST" || method == "PUT") r.headers.push_back({"Content-Type", "application/json"});
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

TEST_F(AdminTest, ClockMovesForwardOnlyAndPersists) {
  double before = call("GET", "/_connect-local/clock").second.find("now")->as_double();
  auto [status, v] = call("POST", "/_connect-local/clock", R"({"advance_seconds": 86400})");
  EXPECT_EQ(status, 200u);
  EXPECT_GE(v.find("now")->as_double() - before, 86400.0);
  EXPECT_EQ(call("POST", "/_connect-local/clock", R"({"advance_seconds": -1})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/clock", "not json").first, 400u);
  OffsetClock restarted;
  Admin again{AdminConfig{"1", "", true}, *store, restarted, service, faults, metrics};
  again.load_clock();
  EXPECT_GE(restarted.offset_ms(), 86400000);
}

TEST_F(AdminTest, QuotasArePerAccountAndRegion) {
  auto [status, v] = call("PUT", "/_connect-local/quotas", R"({"account_id":"111111111111","region":"eu-west-2","instances":7})");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.opt_int("instances"), 7);
  EXPECT_EQ(call("GET", "/_connect-local/quotas?account_id=111111111111&region=eu-west-2").second.opt_int("instances"), 7);
  EXPECT_EQ(call("GET", "/_connect-local/quotas?account_id=111111111111&region=us-east-1").second.opt_int("instances"), 2);
  EXPECT_EQ(call("PUT", "/_connect-local/quotas", R"({"instances":-1})").first, 400u);
  EXPECT_EQ(call("PUT", "/_connect-local/quotas", R"({"claim_release_rule":"yes"})").first, 400u);
}

TEST_F(AdminTest, InventoryBlocksAreCheckedAndListed) {
  EXPECT_EQ(call("POST", "/_connect-local/inventory", R"({"blocks":[{"country":"US","type":"DID","prefix":"+44","length":12}]})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/inventory", R"({"blocks":[{"country":"US"}]})").first, 400u);
  auto [status, v] = call("POST", "/_connect-local/inventory",
                          R"({"blocks":[{"country":"US","type":"TOLL_FREE","prefix":"+1888555","length":12}]})");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.find("blocks")->as_list().size(), 2u);
}

TEST_F(AdminTest, FaultRulesAddListDelete) {
  EXPECT_EQ(call("POST", "/_connect-local/faults", R"({"operation":"ClaimPhoneNumber"})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/faults", R"({"operation":"ClaimPhoneNumber","error_code":"InternalServiceException","probability":2})").first, 400u);
  auto [status, v] = call("POST", "/_connect-local/faults", R"({"operation":"ClaimPhoneNumber","error_code":"InternalServiceException"})");
  EXPECT_EQ(status, 200u);
  ASSERT_EQ(v.find("faults")->as_list().size(), 1u);
  EXPECT_TRUE(faults.injected_error("ClaimPhoneNumber", "+1"));
  EXPECT_EQ(call("DELETE", "/_connect-local/faults").second.find("faults")->as_list().size(), 0u);
  EXPECT_FALSE(faults.injected_error("ClaimPhoneNumber", "+1"));
}

TEST_F(AdminTest, ResetRestoresTheDefaultInventory) {
  call("POST", "/_connect-local/inventory", R"({"blocks":[{"country":"US","type":"TOLL_FREE","prefix":"+1888555","length":12}]})");
  call("POST", "/_connect-local/clock", R"({"advance_seconds": 10})");
  EXPECT_EQ(call("POST", "/_connect-local/reset").first, 200u);
  EXPECT_EQ(call("GET", "/_connect-local/inventory").second.find("blocks")->as_list().size(), 1u);
  EXPECT_EQ(clock.offset_ms(), 0);
}

TEST_F(AdminTest, TokenAndLoopbackGuards) {
  Admin guarded{AdminConfig{"1", "s3cret", true}, *store, clock, service, faults, metrics};
  EXPECT_EQ(call("GET", "/_connect-local/health", "", &guarded).first, 401u);
  http::Request r;
  r.method = "GET";
  r.target = "/_connect-local/health";
  r.headers.push_back({"Authorization", "Bearer s3cret"});
  EXPECT_EQ(guarded.handle(r).status, 200u);
  Admin disabled{AdminConfig{"1", "", false}, *store, clock, service, faults, metrics};
  EXPECT_EQ(call("GET", "/_connect-local/health", "", &disabled).first, 403u);
  EXPECT_EQ(call("GET", "/_connect-local/nope").first, 404u);
}

TEST_F(AdminTest, MetricsAreServed) {
  metrics.record_request("ClaimPhoneNumber", "OK", 0.001);
  http::Request r;
  r.method = "GET";
  r.target = "/metrics";
  http::Response resp = admin.handle(r);
  EXPECT_EQ(resp.status, 200u);
  EXPECT_NE(resp.body.find("connect_local_requests_total{operation=\"ClaimPhoneNumber\",code=\"OK\"} 1"), std::string::npos);
  EXPECT_NE(resp.body.find("connect_local_claims_total 1"), std::string::npos);
}

http::Request request(const std::string& method, const std::string& target,
                      std::vector<std::pair<std::string, std::string>> headers, std::string body = "") {
  http::Request r;
  r.method = method;
  r.target = target;
  r.body = std::move(body);
  for (auto& [k, v] : headers) r.headers.push_back({k, v});
  return r;
}

TEST_F(AdminTest, ForeignHostsOriginsAndFormPostsAreRefused) {
  EXPECT_EQ(admin.handle(request("GET", "/_connect-local/health", {{"Host", "127.0.0.1:4570"}})).status, 200u);
  EXPECT_EQ(admin.handle(request("GET", "/_connect-local/health", {{"Host", "localhost"}})).status, 200u);
  EXPECT_EQ(admin.handle(request("GET", "/_connect-local/health", {{"Host", "[::1]:4570"}})).status, 200u);
  // DNS rebinding: a page of evil.example resolved to 127.0.0.1.
  EXPECT_EQ(admin.handle(request("GET", "/_connect-local/health", {{"Host", "evil.example:4570"}})).status, 403u);
  EXPECT_EQ(admin.handle(request("GET", "/_connect-local/health", {{"Host", "127.0.0.1.evil.example"}})).status, 403u);
  EXPECT_EQ(admin.handle(request("GET", "/console", {{"Host", "evil.example"}})).status, 403u);
  // Another site's page, and the console's own.
  EXPECT_EQ(admin.handle(request("POST", "/_connect-local/reset",
                                 {{"Host", "127.0.0.1:4570"}, {"Origin", "http://evil.example"}, {"Content-Type", "application/json"}}))
                .status,
            403u);
  EXPECT_EQ(admin.handle(request("POST", "/_connect-local/reset",
                                 {{"Host", "127.0.0.1:4570"}, {"Origin", "http://127.0.0.1:4570"}, {"Content-Type", "application/json"}}))
                .status,
            200u);
  // A form post cannot set the JSON type.
  auto form = admin.handle(request("POST", "/_connect-local/clock", {{"Content-Type", "application/x-www-form-urlencoded"}},
                                   R"({"advance_seconds": 10})"));
  EXPECT_EQ(form.status, 415u);
  // With a token the Host may be any name (the token is what guards), the Origin still may not.
  Admin guarded{AdminConfig{"1", "s3cret", true}, *store, clock, service, faults, metrics};
  EXPECT_EQ(guarded.handle(request("GET", "/_connect-local/health", {{"Host", "ci-box:4570"}, {"Authorization", "Bearer s3cret"}})).status,
            200u);
  EXPECT_EQ(guarded.handle(request("GET", "/_connect-local/health",
                                   {{"Host", "ci-box:4570"}, {"Origin", "http://other:1"}, {"Authorization", "Bearer s3cret"}}))
                .status,
            403u);
}

TEST_F(AdminTest, ConsoleFilesAreServedWithAStrictPolicy) {
  auto page = admin.handle(request("GET", "/console", {}));
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("<title>connect-local console</title>"), std::string::npos);
  bool csp = false;
  for (const auto& [k, v] : page.headers)
    if (k == "Content-Security-Policy") csp = v.find("frame-ancestors 'none'") != std::string::npos;
  EXPECT_TRUE(csp);
  EXPECT_EQ(admin.handle(request("GET", "/console/console.js", {})).status, 200u);
  EXPECT_EQ(admin.handle(request("GET", "/console/nope.js", {})).status, 404u);
  EXPECT_EQ(admin.handle(request("POST", "/console", {{"Content-Type", "application/json"}})).status, 405u);
}

TEST_F(AdminTest, ConsoleClaimsStatesAndReleases) {
  RequestContext ctx;
  ctx.account_id = "111111111111";
  ctx.region = "us-east-1";
  ctx.operation = "CreateInstance";
  ctx.now_ms = clock.now_ms();
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
                 R"({"account_id":"111111111111","region":"us-east-1","target_arn":")" + arn + R"(","phone_number":")" + number + R"("})")
                .first,
            400u);
  auto [ok, state] = call("GET", "/_connect-local/state?account_id=111111111111&region=us-east-1");
  ASSERT_EQ(ok, 200u);
  ASSERT_EQ(state.find("numbers")->as_list().size(), 1u);
  EXPECT_EQ(state.find("numbers")->as_list()[0].string_or("status", ""), "IN_PROGRESS");
  EXPECT_EQ(state.find("instances")->as_list()[0].opt_int("numbers"), 1);
  const std::string id = claim.string_or("PhoneNumberId", "");
  EXPECT_EQ(call("POST", "/_connect-local/release", R"({"account_id":"111111111111","phone_number_id":")" + id + R"("})").first,
            409u);  // in progress
  call("POST", "/_connect-local/clock", R"({"advance_seconds": 3})");
  state = call("GET", "/_connect-local/state?account_id=111111111111&region=us-east-1").second;
  EXPECT_EQ(state.find("numbers")->as_list()[0].string_or("status", ""), "CLAIMED");
  EXPECT_EQ(call("POST", "/_connect-local/release", R"({"account_id":"111111111111","phone_number_id":")" + id + R"("})").first,
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
