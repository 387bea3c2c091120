// The operation list is one list: the model, the handlers, scripts/regenerate-model and the README's
// table name the same operations; and every handler's output fits its modeled output shape.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/aws_error.hpp"
#include "connect/service.hpp"
#include "inventory/inventory.hpp"
#include "protocol/model.hpp"
#include "protocol/rest_json.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace cl {
namespace {

using Names = std::set<std::string>;

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(CL_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(in) << relative;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Names model_operations() {
  Names out;
  for (const auto& op : protocol::Model::embedded().operations()) out.insert(op.name);
  return out;
}

// The quoted names of the OPERATIONS = [...] list.
Names regenerate_model_operations() {
  const std::string text = read_source("scripts/regenerate-model");
  const size_t start = text.find("OPERATIONS = [");
  const size_t end = text.find("]", start);
  EXPECT_NE(start, std::string::npos);
  Names out;
  const std::string list = text.substr(start, end - start);
  const std::regex name("\"([A-Za-z0-9]+)\"");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), name); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

// The operations named in the README's "### Operations" table (second column, comma-separated).
Names readme_operations() {
  const std::string text = read_source("README.md");
  const size_t start = text.find("### Operations");
  EXPECT_NE(start, std::string::npos);
  std::istringstream lines(text.substr(start));
  std::string line;
  Names out;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.rfind("|", 0) != 0) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    const size_t bar = line.find('|', 1);
    const std::string cell = line.substr(bar + 1);
    const std::regex name("\\b([A-Z][A-Za-z0-9]+)\\b");
    for (auto it = std::sregex_iterator(cell.begin(), cell.end(), name); it != std::sregex_iterator(); ++it)
      out.insert((*it)[1]);
  }
  return out;
}

class ServiceOperations : public ::testing::Test {
 protected:
  ManualClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<store::Store> store = store::open_sqlite(store::SqliteOptions::memory());
  inventory::NumberPlan plan;
  inventory::Inventory inventory{plan};
  connect::Service service{*store, plan, inventory, clock, ids, connect::ServiceConfig{}};
};

TEST_F(ServiceOperations, ModelHandlersScriptAndReadmeNameTheSameOperations) {
  const Names model = model_operations();
  const std::vector<std::string> handlers = service.operations();
  EXPECT_EQ(Names(handlers.begin(), handlers.end()), model) << "a model operation without handler, or the reverse";
  EXPECT_EQ(handlers.size(), model.size()) << "an operation handled twice";
  EXPECT_EQ(regenerate_model_operations(), model) << "scripts/regenerate-model OPERATIONS";
  EXPECT_EQ(readme_operations(), model) << "README.md operation table";
}

TEST_F(ServiceOperations, ReadsAndWritesAreToldApartByWhatTheOperationDoes) {
  const std::regex reads("^(Describe|List|Search).*"),
      writes("^(Create|Delete|Claim|Release|Update|Import|Associate|Disassociate|Replicate|Tag|Untag).*");
  for (const auto& op : service.operations()) {
    EXPECT_TRUE(std::regex_match(op, reads) || std::regex_match(op, writes)) << op << ": neither read nor write?";
    EXPECT_EQ(service.writes(op), std::regex_match(op, writes)) << op;
    if (protocol::Model::embedded().operation(op)->method == "GET") {
      EXPECT_FALSE(service.writes(op)) << op;
    }
  }
}

// Every operation once, with realistic inputs, its output checked against the model in strict mode.
class StrictOutputs : public ServiceOperations {
 protected:
  const protocol::Model& model = protocol::Model::embedded();
  const std::string account = "111111111111";
  Names called;

  void SetUp() override {
    protocol::set_strict_output(true);
    service.start({{"US", "DID", "+1206555", 12}, {"US", "TOLL_FREE", "+1800555", 12}});
  }
  void TearDown() override { protocol::set_strict_output(false); }

  static Value obj(std::initializer_list<std::pair<const char*, Value>> members) {
    Value v = Value::map();
    for (const auto& [k, m] : members) v.set(k, m);
    return v;
  }
  // Runs `op` as the gateway does and serializes its output strictly.
  Value call(const std::string& op, const Value& input, const std::string& region = "us-east-1") {
    const protocol::Operation* o = model.operation(op);
    EXPECT_NE(o, nullptr) << op;
    RequestContext ctx;
    ctx.account_id = account;
    ctx.region = region;
    ctx.operation = op;
    ctx.validation_error = o->validation_error_code();
    EXPECT_NO_THROW(protocol::validate_input(*o, input)) << op << ": the test's input is not valid";
    Value out;
    try {
      out = service.call(ctx, input);
    } catch (const AwsException& e) {
      ADD_FAILURE() << op << " failed: " << e.error().code << " " << e.error().message;
      return out;
    }
    const auto problems = protocol::output_problems(o->output, out);
    EXPECT_TRUE(problems.empty()) << op << ":\n" << ::testing::PrintToString(problems);
    EXPECT_NO_THROW(protocol::serialize_output(o->output, out)) << op;
    called.insert(op);
    return out;
  }
  void settle() { clock.advance_ms(service.config().transient_delay_ms); }
};

TEST_F(StrictOutputs, EveryOperationsOutputFitsItsModel) {
  const std::string region = "us-east-1";
  const Value inst = call("CreateInstance", obj({{"IdentityManagementType", "SAML"},  // replicable
                                                 {"InstanceAlias", "strict"},
                                                 {"InboundCallsEnabled", true},
                                                 {"OutboundCallsEnabled", true},
                                                 {"ClientToken", "t-1"},
                                                 {"Tags", obj({{"team", "a"}})}}));
  const std::string id = inst.string_or("Id", ""), arn = inst.string_or("Arn", "");
  settle();
  call("DescribeInstance", obj({{"InstanceId", id}}));
  call("ListInstances", obj({{"MaxResults", 1}}));
  call("UpdateInstanceAttribute", obj({{"InstanceId", id}, {"AttributeType", "CONTACTFLOW_LOGS"}, {"Value", "true"}}));
  call("DescribeInstanceAttribute", obj({{"InstanceId", id}, {"AttributeType", "CONTACTFLOW_LOGS"}}));
  call("ListInstanceAttributes", obj({{"InstanceId", id}, {"MaxResults", 5}}));
  call("ReplicateInstance",
       obj({{"InstanceId", id}, {"ReplicaRegion", "us-west-2"}, {"ReplicaAlias", "strict-w"}, {"ClientToken", "t-2"}}));
  settle();
  const Value group = call("CreateTrafficDistributionGroup", obj({{"Name", "g"},
                                                                  {"InstanceId", id},
                                                                  {"Description", "d"},
                                                                  {"ClientToken", "t-3"},
                                                                  {"Tags", obj({{"k", "v"}})}}));
  settle();
  call("DescribeTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", group.string_or("Id", "")}}));
  call("ListTrafficDistributionGroups", obj({{"InstanceId", id}, {"MaxResults", 10}}));

  const Value found =
      call("SearchAvailablePhoneNumbers",
           obj({{"TargetArn", arn}, {"PhoneNumberCountryCode", "US"}, {"PhoneNumberType", "DID"}, {"MaxResults", 2}}));
  ASSERT_GE(found.find("AvailableNumbersList")->as_list().size(), 2u);
  const std::string number = found.find("AvailableNumbersList")->as_list()[0].string_or("PhoneNumber", "");
  const Value claimed = call("ClaimPhoneNumber", obj({{"PhoneNumber", number},
                                                      {"TargetArn", arn},
                                                      {"PhoneNumberDescription", "front desk"},
                                                      {"Tags", obj({{"k", "v"}})},
                                                      {"ClientToken", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"}}));
  const std::string phone_id = claimed.string_or("PhoneNumberId", "");
  call("DescribePhoneNumber", obj({{"PhoneNumberId", phone_id}}));  // IN_PROGRESS
  settle();
  call("DescribePhoneNumber", obj({{"PhoneNumberId", phone_id}}));  // CLAIMED
  call("ListPhoneNumbers", obj({{"InstanceId", id}, {"MaxResults", 1}}));
  call("ListPhoneNumbersV2", obj({{"TargetArn", arn}, {"MaxResults", 1}}));
  call("UpdatePhoneNumberMetadata",
       obj({{"PhoneNumberId", phone_id}, {"PhoneNumberDescription", "lobby"}, {"ClientToken", "t-4"}}));
  settle();
  call("UpdatePhoneNumber",
       obj({{"PhoneNumberId", phone_id}, {"TargetArn", group.string_or("Arn", "")}, {"ClientToken", "t-5"}}));
  settle();
  call("UpdatePhoneNumber", obj({{"PhoneNumberId", phone_id}, {"InstanceId", id}}));
  settle();

  const Value flow = call("CreateContactFlow", obj({{"InstanceId", id},
                                                    {"Name", "strict flow"},
                                                    {"Type", "CONTACT_FLOW"},
                                                    {"Description", "d"},
                                                    {"Content", R"({"Version":"2019-10-30","StartAction":"x",)"
                                                                R"("Actions":[{"Identifier":"x",)"
                                                                R"("Type":"DisconnectParticipant",)"
                                                                R"("Parameters":{},"Transitions":{}}]})"},
                                                    {"Tags", obj({{"k", "v"}})}}));
  const std::string flow_id = flow.string_or("ContactFlowId", "");
  call("UpdateContactFlowName",
       obj({{"InstanceId", id}, {"ContactFlowId", flow_id}, {"Name", "renamed flow"}, {"Description", "d2"}}));
  call("UpdateContactFlowContent", obj({{"InstanceId", id},
                                        {"ContactFlowId", flow_id},
                                        {"Content", R"({"Version":"2019-10-30","StartAction":"y",)"
                                                    R"("Actions":[{"Identifier":"y",)"
                                                    R"("Type":"DisconnectParticipant",)"
                                                    R"("Parameters":{},"Transitions":{}}]})"}}));
  call("UpdateContactFlowMetadata",
       obj({{"InstanceId", id}, {"ContactFlowId", flow_id}, {"Name", "final flow"}, {"ContactFlowState", "ACTIVE"}}));
  call("DescribeContactFlow", obj({{"InstanceId", id}, {"ContactFlowId", flow_id}}));
  call("ListContactFlows", obj({{"InstanceId", id}, {"MaxResults", 2}}));
  call("AssociatePhoneNumberContactFlow",
       obj({{"PhoneNumberId", phone_id}, {"InstanceId", id}, {"ContactFlowId", flow_id}}));
  call("ListFlowAssociations", obj({{"InstanceId", id}, {"ResourceType", "VOICE_PHONE_NUMBER"}}));
  call("DisassociatePhoneNumberContactFlow", obj({{"PhoneNumberId", phone_id}, {"InstanceId", id}}));

  call("TagResource", obj({{"resourceArn", arn}, {"tags", obj({{"env", "test"}})}}));
  call("ListTagsForResource", obj({{"resourceArn", arn}}));
  Value keys = Value::list();
  keys.push_back("env");
  call("UntagResource", obj({{"resourceArn", arn}, {"tagKeys", keys}}));

  const std::string source =
      "arn:aws:sms-voice:us-east-1:111111111111:phone-number/phone-"
      "0123456789abcdef0123456789abcdef";
  service.add_external_numbers({{source, "+12065550199", "US", "DID"}});
  const Value imported = call("ImportPhoneNumber", obj({{"InstanceId", id},
                                                        {"SourcePhoneNumberArn", source},
                                                        {"PhoneNumberDescription", "imported"},
                                                        {"ClientToken", "t-6"}}));
  settle();
  call("ReleasePhoneNumber", obj({{"PhoneNumberId", imported.string_or("PhoneNumberId", "")}, {"ClientToken", "t-7"}}));
  call("ReleasePhoneNumber", obj({{"PhoneNumberId", phone_id}}));
  call("DeleteContactFlow", obj({{"InstanceId", id}, {"ContactFlowId", flow_id}}));
  call("DeleteTrafficDistributionGroup", obj({{"TrafficDistributionGroupId", group.string_or("Arn", "")}}));
  // A replicated instance goes only after its groups and replica: delete a plain one.
  const Value plain = call("CreateInstance", obj({{"IdentityManagementType", "CONNECT_MANAGED"},
                                                  {"InstanceAlias", "plain"},
                                                  {"InboundCallsEnabled", true},
                                                  {"OutboundCallsEnabled", false}}));
  settle();
  call("DeleteInstance", obj({{"InstanceId", plain.string_or("Id", "")}, {"ClientToken", "t-8"}}));

  EXPECT_EQ(called, model_operations()) << "every operation must be run once here";
}

TEST_F(StrictOutputs, StrictModeRefusesAnUndeclaredOrMissingOutputMember) {
  const protocol::Operation* claim = model.operation("ClaimPhoneNumber");
  Value out = obj({{"PhoneNumberId", "x"}, {"PhoneNumberArn", "arn"}, {"Surprise", 1}});
  EXPECT_EQ(protocol::output_problems(claim->output, out), std::vector<std::string>{"Surprise: not in the model"});
  EXPECT_THROW(protocol::serialize_output(claim->output, out), std::logic_error);
  protocol::set_strict_output(false);
  EXPECT_EQ(protocol::serialize_output(claim->output, out), R"({"PhoneNumberArn":"arn","PhoneNumberId":"x"})");
  protocol::set_strict_output(true);

  // A required member missing, a wrong kind, a value outside an enum, deep inside lists.
  const protocol::Operation* list = model.operation("ListPhoneNumbersV2");
  Value summary = obj({{"PhoneNumberId", "x"}, {"PhoneNumberType", "NOT_A_TYPE"}, {"PhoneNumber", 5}});
  Value summaries = Value::list();
  summaries.push_back(summary);
  const auto problems = protocol::output_problems(list->output, obj({{"ListPhoneNumbersSummaryList", summaries}}));
  EXPECT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_THROW(protocol::serialize_output(list->output, obj({{"ListPhoneNumbersSummaryList", summaries}})),
               std::logic_error);
  // The connect model declares no required output member today; the check holds for any shape.
  protocol::Shape text;
  protocol::Shape shape;
  shape.name = "Synthetic";
  shape.type = protocol::ShapeType::Structure;
  protocol::Member member;
  member.name = member.location_name = "Id";
  member.shape = &text;
  member.required = true;
  shape.members.push_back(member);
  EXPECT_EQ(protocol::output_problems(&shape, Value::map()), std::vector<std::string>{"Id: required, missing"});
  EXPECT_TRUE(protocol::output_problems(&shape, obj({{"Id", "x"}})).empty());
}

}  // namespace
}  // namespace cl
