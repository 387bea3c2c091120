// The request pipeline end to end in-process: signed requests in, responses out.
#include "app/gateway.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "auth/sigv4.hpp"
#include "common/time_format.hpp"
#include "common/value_json.hpp"
#include "inventory/inventory.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace cl::app {
namespace {

constexpr const char* kAccount = "123456789012";
constexpr const char* kPhoneId = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
constexpr const char* kOtherId = "11111111-2222-4333-8444-555555555555";
constexpr const char* kInstanceId = "99999999-8888-4777-8666-555555555555";

// A store that fails every transaction with an unexpected exception once `broken` is set.
class BreakableStore : public store::Store {
 public:
  explicit BreakableStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> broken{false};
  static constexpr const char* kSecret = "disk I/O error in /var/secret/connect.db";

  void write(const std::function<void(store::WriteTxn&)>& fn) override {
    if (broken) throw std::runtime_error(kSecret);
    inner_->write(fn);
  }
  void submit(std::function<void(store::WriteTxn&)> fn, std::function<void(std::exception_ptr)> done) override {
    if (broken) return done(std::make_exception_ptr(std::runtime_error(kSecret)));
    inner_->submit(std::move(fn), std::move(done));
  }
  void read(const std::function<void(store::ReadTxn&)>& fn) override {
    if (broken) throw std::logic_error(kSecret);
    inner_->read(fn);
  }
  void set_change_listener(store::ChangeListener l) override { inner_->set_change_listener(std::move(l)); }
  const char* backend() const override { return inner_->backend(); }
  bool local_reads() const override { return inner_->local_reads(); }

 private:
  std::unique_ptr<store::Store> inner_;
};

auth::Credentials credentials() {
  // `full` may do anything; `limited` may describe one phone number and one instance only.
  return auth::Credentials::parse(std::string(R"({"credentials": [
    {"access_key_id": "full", "secret_access_key": "s1", "account_id": ")") +
                                  kAccount + R"("},
    {"access_key_id": "limited", "secret_access_key": "s2", "account_id": ")" +
                                  kAccount + R"(",
     "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
       "Action": ["connect:DescribePhoneNumber", "connect:DescribeInstance", "connect:ClaimPhoneNumber"],
       "Resource": ["arn:aws:connect:us-east-1:)" +
                                  kAccount + ":phone-number/" + kPhoneId + R"(",
                    "arn:aws:connect:us-east-1:)" +
                                  kAccount + R"(:instance/)" + kInstanceId + R"("]}]}}]})");
}

class GatewayTest : public ::testing::Test {
 protected:
  OffsetClock clock;
  RandomIdGenerator ids;
  BreakableStore store{store::open_sqlite(store::SqliteOptions::memory())};
  inventory::NumberPlan plan;
  inventory::Inventory inventory{plan};
  Metrics metrics;
  connect::Service service{store, plan, inventory, clock, ids, connect::ServiceConfig{}};
  admin::Admin admin{admin::AdminConfig{"test", "", true, "sqlite"}, clock, service, store, metrics};
  auth::Verifier verifier{credentials(), auth::Mode::Verify};
  WorkerPool workers{2};
  std::unique_ptr<Throttle> throttle;
  std::unique_ptr<Gateway> gateway;

  void SetUp() override {
    service.start({{"US", "DID", "+1206555", 12}});
    make_gateway();
  }
  void make_gateway() {
    gateway = std::make_unique<Gateway>(protocol::Model::embedded(), verifier, service, admin, throttle.get(), metrics,
                                        workers);
  }

  struct Answer {
    unsigned status;
    std::string code, message, request_id, body;
  };

  // Sends one request signed like an SDK does and waits for its answer.
  Answer send(const std::string& method, const std::string& target, const std::string& body = "",
              const std::string& key = "full", const std::string& secret = "s1") {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers = {{"Host", "127.0.0.1:4570"}, {"Content-Type", "application/json"}};
    const std::string amz_date = cl::amz_date(wall_clock_ms());
    r.headers.push_back({"X-Amz-Date", amz_date});
    const std::string date = amz_date.substr(0, 8), signed_headers = "content-type;host;x-amz-date";
    const std::string scope = auth::credential_scope(date, "us-east-1", "connect");
    const std::string cr = auth::canonical_request(r, signed_headers, auth::payload_hash(r));
    const std::string sig = auth::signature(auth::signing_key(secret, date, "us-east-1", "connect"),
                                            auth::string_to_sign(amz_date, scope, cr));
    r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=" + key + "/" + scope +
                                              ", SignedHeaders=" + signed_headers + ", Signature=" + sig});
    std::promise<http::Response> answered;
    gateway->handle(std::move(r), [&answered](http::Response resp) { answered.set_value(std::move(resp)); });
    http::Response resp = answered.get_future().get();
    Answer a{resp.status, "", "", "", resp.body};
    for (const auto& h : resp.headers) {
      if (http::iequals(h.name, "x-amzn-ErrorType")) a.code = h.value.substr(0, h.value.find(':'));
      if (http::iequals(h.name, "x-amzn-RequestId")) a.request_id = h.value;
    }
    Value v;
    if (from_json(resp.body, v)) a.message = v.string_or("Message", v.string_or("message", ""));
    return a;
  }
};

TEST_F(GatewayTest, APolicySeesABarePhoneNumberIdInItsArnForm) {
  // Allowed on this number: the request gets through to the domain (which does not know it).
  Answer a = send("GET", std::string("/phone-number/") + kPhoneId, "", "limited", "s2");
  EXPECT_EQ(a.code, "ResourceNotFoundException") << a.body;
  a = send("GET", std::string("/phone-number/") + kOtherId, "", "limited", "s2");
  EXPECT_EQ(a.status, 403u);
  EXPECT_EQ(a.code, "AccessDeniedException");
  EXPECT_EQ(a.message.rfind(std::string("User: arn:aws:iam::") + kAccount +
                                ":user/limited is not authorized to perform: connect:DescribePhoneNumber on "
                                "resource: arn:aws:connect:us-east-1:" +
                                kAccount + ":phone-number/" + kOtherId + " because",
                            0),
            0u)
      << a.message;
  // The full ARN form names the same resource.
  a = send("GET",
           std::string("/phone-number/arn%3Aaws%3Aconnect%3Aus-east-1%3A") + kAccount + "%3Aphone-number%2F" + kPhoneId,
           "", "limited", "s2");
  EXPECT_EQ(a.code, "ResourceNotFoundException") << a.body;
}

TEST_F(GatewayTest, APolicySeesABareInstanceIdInItsArnForm) {
  EXPECT_EQ(send("GET", std::string("/instance/") + kInstanceId, "", "limited", "s2").code,
            "ResourceNotFoundException");
  Answer a = send("GET", std::string("/instance/") + kOtherId, "", "limited", "s2");
  EXPECT_EQ(a.code, "AccessDeniedException");
  EXPECT_NE(a.message.find("on resource: arn:aws:connect:us-east-1:" + std::string(kAccount) + ":instance/" + kOtherId),
            std::string::npos)
      << a.message;
}

TEST_F(GatewayTest, EveryResourceAClaimNamesIsAuthorized) {
  // Claim names the number and the target: a policy that allows the target but not numbers refuses.
  const std::string allowed = "arn:aws:connect:us-east-1:" + std::string(kAccount) + ":instance/" + kInstanceId;
  Answer a = send("POST", "/phone-number/claim", R"({"PhoneNumber":"+12065550100","TargetArn":")" + allowed + R"("})",
                  "limited", "s2");
  EXPECT_EQ(a.code, "AccessDeniedException");
  EXPECT_NE(a.message.find("on resource: arn:aws:connect:us-east-1:" + std::string(kAccount) + ":phone-number/*"),
            std::string::npos)
      << a.message;
}

TEST_F(GatewayTest, AnOperationWithoutAResourceIsMatchedAgainstStar) {
  Answer a = send("GET", "/instance", "", "limited", "s2");
  EXPECT_EQ(a.code, "AccessDeniedException");
  EXPECT_NE(a.message.find("connect:ListInstances on resource: *"), std::string::npos) << a.message;
  EXPECT_EQ(send("GET", "/instance").status, 200u);  // no policy: full access
}

TEST_F(GatewayTest, AnUnexpectedFailureIsMaskedAsInternalServiceException) {
  ASSERT_EQ(send("GET", "/instance").status, 200u);
  store.broken = true;
  for (auto [method, target, body] : {std::tuple{"GET", "/instance", ""},  // a read
                                      std::tuple{"PUT", "/instance",       // a write
                                                 R"({"IdentityManagementType":"CONNECT_MANAGED","InstanceAlias":"x",)"
                                                 R"("InboundCallsEnabled":true,"OutboundCallsEnabled":true})"}}) {
    Answer a = send(method, target, body);
    EXPECT_EQ(a.status, 500u) << method;
    EXPECT_EQ(a.code, "InternalServiceException") << a.body;
    EXPECT_EQ(a.message, "An internal error occurred. Request id: " + a.request_id);
    EXPECT_EQ(a.body.find("secret"), std::string::npos) << a.body;  // no detail leaks
    EXPECT_EQ(a.body.find("disk"), std::string::npos) << a.body;
  }
  store.broken = false;
  EXPECT_EQ(send("GET", "/instance").status, 200u);  // and the server keeps serving
}

TEST_F(GatewayTest, ThrottlingAnswers429AfterTheBurst) {
  throttle = std::make_unique<Throttle>(0.001, 3.0);
  make_gateway();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(send("GET", "/instance").status, 200u) << i;
  Answer a = send("GET", "/instance");
  EXPECT_EQ(a.status, 429u);
  EXPECT_EQ(a.code, "ThrottlingException");
  EXPECT_EQ(a.message, "Rate exceeded");
  // Another operation has its own bucket.
  EXPECT_EQ(send("GET", std::string("/phone-number/") + kPhoneId).code, "ResourceNotFoundException");
}

}  // namespace
}  // namespace cl::app
