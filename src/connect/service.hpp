#pragma once
// The Amazon Connect domain: one handler per operation, plain synchronous C++ over the store.
// Inputs and outputs are Values shaped like the model's input and output shapes.
#include <functional>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include <optional>
#include "common/ids.hpp"
#include "common/page_token.hpp"
#include "common/request_context.hpp"
#include "common/value.hpp"
#include "connect/faults.hpp"
#include "connect/quotas.hpp"
#include "inventory/inventory.hpp"
#include "store/store.hpp"

namespace cl::connect {

struct ServiceConfig {
  Millis transient_delay_ms = 2000;  // CREATION_IN_PROGRESS / IN_PROGRESS before settling
  Quotas default_quotas;
};

class Service {
 public:
  Service(store::Store& store, const inventory::NumberPlan& plan, inventory::Inventory& inventory, FaultRules& faults,
          IdGenerator& ids, PageTokens tokens, ServiceConfig config);

  // Loads the inventory blocks (seeding `defaults` into a store that has none) and the holds in
  // force into the in-memory index. Call once at start-up.
  void load_inventory(std::vector<inventory::BlockSpec> defaults, Millis now_ms);
  // Admin: adds blocks after checking each against the number plan; throws std::invalid_argument.
  void add_blocks(const std::vector<inventory::BlockSpec>& blocks);
  std::vector<inventory::BlockSpec> blocks();
  // Admin: stocks numbers for ImportPhoneNumber; throws std::invalid_argument.
  void add_external_numbers(const std::vector<store::ExternalNumber>& numbers);
  std::vector<store::ExternalNumber> external_numbers();
  // Admin reset: wipes the store and the index, then seeds the default inventory again.
  void reset(Millis now_ms);

  // Runs ctx.operation. Throws AwsException for every modeled failure.
  Value call(const RequestContext& ctx, const Value& input);
  // True for operations that only read: with a store whose reads are local they may run inline.
  bool read_only(const std::string& operation) const;
  bool local_reads() const { return store_.local_reads(); }
  // Runs `work` (operations that write) where the store makes writes, without waiting; `done`
  // follows once its changes are durable or have failed (Store::submit).
  void submit(std::function<void()> work, std::function<void(std::exception_ptr)> done) {
    store_.submit(std::move(work), std::move(done));
  }

  const ServiceConfig& config() const { return config_; }
  Quotas quotas(const store::Scope& scope);
  void set_quotas(const store::Scope& scope, const Value& changes);

 private:
  using Method = Value (Service::*)(const RequestContext&, const Value&);
  struct Handler {
    Method method;
    bool read_only;
  };

  // instances
  Value create_instance(const RequestContext& ctx, const Value& in);
  Value describe_instance(const RequestContext& ctx, const Value& in);
  Value list_instances(const RequestContext& ctx, const Value& in);
  Value delete_instance(const RequestContext& ctx, const Value& in);
  // phone numbers
  Value claim_phone_number(const RequestContext& ctx, const Value& in);
  Value search_available_phone_numbers(const RequestContext& ctx, const Value& in);
  Value describe_phone_number(const RequestContext& ctx, const Value& in);
  Value release_phone_number(const RequestContext& ctx, const Value& in);
  Value list_phone_numbers_v2(const RequestContext& ctx, const Value& in);
  Value list_phone_numbers(const RequestContext& ctx, const Value& in);
  Value update_phone_number(const RequestContext& ctx, const Value& in);
  Value update_phone_number_metadata(const RequestContext& ctx, const Value& in);
  Value import_phone_number(const RequestContext& ctx, const Value& in);
  Value associate_phone_number_contact_flow(const RequestContext& ctx, const Value& in);
  Value disassociate_phone_number_contact_flow(const RequestContext& ctx, const Value& in);
  // replication and traffic distribution groups
  Value replicate_instance(const RequestContext& ctx, const Value& in);
  Value create_traffic_distribution_group(const RequestContext& ctx, const Value& in);
  Value describe_traffic_distribution_group(const RequestContext& ctx, const Value& in);
  Value list_traffic_distribution_groups(const RequestContext& ctx, const Value& in);
  Value delete_traffic_distribution_group(const RequestContext& ctx, const Value& in);
  // flows
  Value create_contact_flow(const RequestContext& ctx, const Value& in);
  Value describe_contact_flow(const RequestContext& ctx, const Value& in);
  Value list_contact_flows(const RequestContext& ctx, const Value& in);
  Value delete_contact_flow(const RequestContext& ctx, const Value& in);
  Value list_flow_associations(const RequestContext& ctx, const Value& in);
  // tags
  Value tag_resource(const RequestContext& ctx, const Value& in);
  Value untag_resource(const RequestContext& ctx, const Value& in);
  Value list_tags_for_resource(const RequestContext& ctx, const Value& in);

  // Shared pieces.
  // Runs `body` in a write transaction, honouring the input's ClientToken (SPEC §8): a replay of
  // the same request returns the first response; the same token with other parameters is a 409.
  Value idempotent_write(const RequestContext& ctx, const Value& in,
                         const std::function<Value(store::Txn&)>& body);
  // Resolves an InstanceId input (bare id or ARN) in the caller's scope; ResourceNotFound otherwise.
  store::InstanceRecord require_instance(store::Txn& t, const RequestContext& ctx, const std::string& id_or_arn);
  // The stored resource behind a taggable ARN, as its ARN; ResourceNotFound when there is none.
  std::string require_taggable(store::Txn& t, const RequestContext& ctx, const std::string& arn);
  // Where a request may reach a resource from: only its home region (claims, updates, releases,
  // deletes), or also the replica region of a replicated instance, by full ARN (SPEC §7).
  enum class Access { Home, FromReplica };
  struct Target {
    std::string arn;
    std::string region;       // the target's home region
    std::string instance_id;  // the instance, or the traffic distribution group's instance
    bool is_group = false;
  };
  // The claim target named by InstanceId and/or TargetArn, resolved in the caller's scope.
  Target resolve_target(store::Txn& t, const RequestContext& ctx, const Value& in, Access access = Access::Home);
  // The caller's phone number named by id or ARN; ResourceNotFound otherwise (also once released
  // or vanished).
  store::PhoneNumberRecord require_phone_number(store::Txn& t, const RequestContext& ctx, const std::string& id_or_arn,
                                                Access access = Access::Home);
  // The traffic distribution group behind a target ARN, if it is one and exists.
  std::optional<store::TrafficDistributionGroupRecord> group_of_target(store::Txn& t, const std::string& account_id,
                                                                      const std::string& target_arn);
  // The caller's traffic distribution group by id (home region) or ARN (home or, with
  // Access::FromReplica, the replica region); ResourceNotFound once deleted.
  store::TrafficDistributionGroupRecord require_group(store::Txn& t, const RequestContext& ctx, const std::string& id_or_arn,
                                                      Access access);
  std::string group_status(const store::TrafficDistributionGroupRecord& g, Millis now) const;
  Millis gone_before(Millis now) const { return now - config_.transient_delay_ms + 1; }
  // Records a new claim (Claim and Import) in the transaction; the number's hold is taken here.
  store::PhoneNumberRecord record_claim(store::Txn& t, const RequestContext& ctx, const Target& target,
                                        const std::string& number, const std::string& country, const std::string& type,
                                        const Value& in);
  // Refuses a claim when the claim-release rule is reached.
  void check_claim_release_rule(store::Txn& t, const RequestContext& ctx, const Quotas& q);
  // Releases a number inside the transaction (Release and DeleteInstance).
  void release_in(store::Txn& t, const RequestContext& ctx, const store::PhoneNumberRecord& r, const Quotas& q);
  // Why a workflow on this target would settle to FAILED, or nullopt.
  std::optional<std::string> failure_for(store::Txn& t, const RequestContext& ctx, const Target& target,
                                         const std::string& number, const Quotas& q);
  void require_not_in_progress(const RequestContext& ctx, const store::PhoneNumberRecord& r);
  // Claimed to the instance itself or to one of its traffic distribution groups.
  bool claimed_to_instance(store::Txn& t, const store::PhoneNumberRecord& r, const store::InstanceRecord& inst);
  Value claimed_summary(store::Txn& t, const RequestContext& ctx, const store::PhoneNumberRecord& r);
  std::string instance_arn_of(const RequestContext& ctx, const std::string& id_or_arn) const;
  void create_default_flows(store::Txn& t, const RequestContext& ctx, const std::string& instance_id);
  store::ContactFlowRecord require_flow(store::Txn& t, const RequestContext& ctx, const std::string& instance_id,
                                        const std::string& flow_id_or_arn);
  Value instance_value(const store::InstanceRecord& r, const RequestContext& ctx) const;
  // Every transient state (instance and group creation, number workflows) lasts the transient delay.
  bool settling(Millis started_ms, Millis now_ms) const { return now_ms < started_ms + config_.transient_delay_ms; }
  // Cuts rows fetched with limit + 1 down to limit; true when another page follows.
  template <class Row>
  static bool trim_page(std::vector<Row>& rows, int limit) {
    if (static_cast<int>(rows.size()) <= limit) return false;
    rows.resize(static_cast<size_t>(limit));
    return true;
  }
  // Stores the Tags (or tags) member of an input on a resource.
  static void put_input_tags(store::Txn& t, const std::string& arn, const Value* tags);
  std::string page_binding(const RequestContext& ctx, const std::string& filters) const;
  std::string open_page_token(const RequestContext& ctx, const Value& in, const std::string& filters) const;

  store::Store& store_;
  const inventory::NumberPlan& plan_;
  inventory::Inventory& inventory_;
  FaultRules& faults_;
  IdGenerator& ids_;
  PageTokens tokens_;
  ServiceConfig config_;
  std::vector<inventory::BlockSpec> default_blocks_;
  std::unordered_map<std::string, Handler> handlers_;
};

store::Scope scope_of(const RequestContext& ctx);

}  // namespace cl::connect
