#pragma once
// The Amazon Connect domain: one handler per operation, plain synchronous C++ over a store
// transaction that the Service opens and hands to the handler. Inputs and outputs are Values shaped
// like the model's input and output shapes.
//
// An operation is a read or a write by the type of its handler: read handlers get a ReadTxn, write
// handlers a WriteTxn. Write handlers may run more than once (store.hpp): they change nothing
// outside the transaction; what the rest of the server must learn is published as store::Changes
// and applied by on_changes() once committed, on every node.
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
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

// What an operation answers: its output, or the error to answer with.
struct Outcome {
  Value output;
  std::exception_ptr error;
};
using Done = std::function<void(Outcome)>;

class Service {
 public:
  // `clock` gives the domain time; its offset follows the shared clock offset (set_clock_offset
  // on any node) through `apply_clock_offset`.
  Service(store::Store& store, const inventory::NumberPlan& plan, inventory::Inventory& inventory, const Clock& clock,
          IdGenerator& ids, ServiceConfig config, std::function<void(Millis)> apply_clock_offset = {});

  // Seeds `defaults` into a store without blocks, then loads the blocks, the holds in force, the
  // fault rules and the clock offset into this node's caches. Call once, before serving.
  void start(std::vector<inventory::BlockSpec> defaults);

  // Runs ctx.operation (ctx.now_ms is set here, from the clock). A read runs on the calling thread
  // and calls `done` before returning; a write is handed to the store and `done` follows on a store
  // thread once it is durable or has failed. Modeled failures arrive as AwsException.
  void execute(RequestContext ctx, Value input, Done done);
  // The same, waiting for the outcome (tests, admin): returns the output or throws the error.
  Value call(RequestContext ctx, const Value& input);
  // True for operations whose handler writes.
  bool writes(const std::string& operation) const;
  // The operations this service has handlers for.
  std::vector<std::string> operations() const;
  bool local_reads() const { return store_.local_reads(); }

  // Admin: inventory blocks (each checked against the number plan; std::invalid_argument).
  void add_blocks(const std::vector<inventory::BlockSpec>& specs);
  std::vector<inventory::BlockSpec> blocks();
  // Admin: numbers for ImportPhoneNumber; std::invalid_argument for a bad one.
  void add_external_numbers(const std::vector<store::ExternalNumber>& numbers);
  std::vector<store::ExternalNumber> external_numbers();
  // Admin: quotas of a scope.
  Quotas quotas(const store::Scope& scope);
  void set_quotas(const store::Scope& scope, const Value& changes);
  // Admin: fault rules (shared by every node). add returns the rule with its id.
  FaultRule add_fault_rule(FaultRule rule);
  bool remove_fault_rule(const std::string& id);
  void clear_fault_rules();
  std::vector<FaultRule> fault_rules();
  // Admin: moves the shared domain clock forward by `ms`; returns the new offset.
  Millis advance_clock(Millis ms);
  // Admin reset: wipes the store and every node's caches, then seeds the default inventory again.
  void reset();
  // Admin: a versioned snapshot of every table (but the page-token key, a secret of the
  // deployment), and replacing all state with one. import_snapshot throws std::invalid_argument for
  // a file that is not a snapshot, of another version, backend or schema, or corrupt; it then
  // changes nothing. `progress` hears what is being loaded.
  Value export_snapshot();
  void import_snapshot(const Value& snapshot, const std::function<void(const std::string&)>& progress = {});
  // The domain time, after catching up with every node's changes (the clock offset is shared).
  Millis now_ms();
  // The page-token key every node shares (created by the first node to start).
  const PageTokens& page_tokens() const { return *tokens_; }

  const ServiceConfig& config() const { return config_; }

 private:
  using ReadMethod = Value (Service::*)(const RequestContext&, const Value&, store::ReadTxn&);
  using WriteMethod = Value (Service::*)(const RequestContext&, const Value&, store::WriteTxn&);
  struct Handler {
    ReadMethod read = nullptr;
    WriteMethod write = nullptr;
  };
  static Handler reads(ReadMethod m) { return {m, nullptr}; }
  static Handler writes(WriteMethod m) { return {nullptr, m}; }

  // instances
  Value create_instance(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value describe_instance(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value list_instances(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value delete_instance(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  // instance attributes
  Value describe_instance_attribute(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value update_instance_attribute(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value list_instance_attributes(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  // phone numbers
  Value claim_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value search_available_phone_numbers(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value describe_phone_number(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value release_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value list_phone_numbers_v2(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value list_phone_numbers(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value update_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value update_phone_number_metadata(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value import_phone_number(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value associate_phone_number_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value disassociate_phone_number_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  // replication and traffic distribution groups
  Value replicate_instance(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value create_traffic_distribution_group(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value describe_traffic_distribution_group(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value list_traffic_distribution_groups(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value delete_traffic_distribution_group(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  // flows
  Value create_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value describe_contact_flow(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value list_contact_flows(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  Value delete_contact_flow(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value update_contact_flow_name(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value update_contact_flow_content(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value update_contact_flow_metadata(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  // InvalidContactFlowException unless the content is a JSON object.
  static void check_flow_content(const std::string& content);
  Value list_flow_associations(const RequestContext& ctx, const Value& in, store::ReadTxn& t);
  // tags
  Value tag_resource(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value untag_resource(const RequestContext& ctx, const Value& in, store::WriteTxn& t);
  Value list_tags_for_resource(const RequestContext& ctx, const Value& in, store::ReadTxn& t);

  // ---- running operations ----
  // One write in flight: the state a run of its transaction leaves for after the commit.
  struct WriteRun;
  void run_write(const Handler& h, RequestContext ctx, Value input, Done done);
  // Brings this node's caches up to date inside a transaction (after changes of other nodes).
  void refresh(store::ReadTxn& t);
  // The store's change listener.
  void on_changes(const std::vector<store::Change>& changes);
  void load_caches(store::ReadTxn& t, Millis now_ms);

  // ---- shared pieces ----
  // Runs `body` honouring the input's ClientToken (SPEC §8): a replay of the same request returns
  // the first response; the same token with other parameters is a 409.
  Value idempotent(const RequestContext& ctx, const Value& in, store::WriteTxn& t, const std::function<Value()>& body);
  // Resolves an InstanceId input (bare id or ARN) in the caller's scope; ResourceNotFound otherwise.
  store::InstanceRecord require_instance(store::ReadTxn& t, const RequestContext& ctx, const std::string& id_or_arn);
  // The stored resource behind a taggable ARN, as its ARN; ResourceNotFound when there is none.
  std::string require_taggable(store::ReadTxn& t, const RequestContext& ctx, const std::string& text);
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
  Target resolve_target(store::ReadTxn& t, const RequestContext& ctx, const Value& in, Access access = Access::Home);
  // The caller's phone number named by id or ARN; ResourceNotFound otherwise (also once released
  // or vanished).
  store::PhoneNumberRecord require_phone_number(store::ReadTxn& t, const RequestContext& ctx,
                                                const std::string& id_or_arn, Access access = Access::Home);
  // The traffic distribution group behind a target ARN, if it is one and exists.
  std::optional<store::TrafficDistributionGroupRecord> group_of_target(store::ReadTxn& t, const std::string& account_id,
                                                                       const std::string& target_arn);
  // The caller's traffic distribution group by id (home region) or ARN (home or, with
  // Access::FromReplica, the replica region); ResourceNotFound once deleted.
  store::TrafficDistributionGroupRecord require_group(store::ReadTxn& t, const RequestContext& ctx,
                                                      const std::string& id_or_arn, Access access);
  std::string group_status(const store::TrafficDistributionGroupRecord& g, Millis now) const;
  // Inserts a group (Conflict when its name is taken), purging gone groups of the scope first.
  store::Insert insert_group(store::WriteTxn& t, const store::TrafficDistributionGroupRecord& g, Millis now_ms);
  Millis gone_before(Millis now) const { return now - config_.transient_delay_ms + 1; }
  // Records a new claim (Claim and Import) in the transaction; the number's hold is taken here.
  store::PhoneNumberRecord record_claim(store::WriteTxn& t, const RequestContext& ctx, const Target& target,
                                        const std::string& number, const std::string& country, const std::string& type,
                                        const Value& in);
  // Refuses a claim when the claim-release rule is reached.
  void check_claim_release_rule(store::ReadTxn& t, const RequestContext& ctx, const Quotas& q);
  // Releases a number inside the transaction (Release and DeleteInstance).
  void release_in(store::WriteTxn& t, const RequestContext& ctx, const store::PhoneNumberRecord& r, const Quotas& q);
  // Why a workflow on this target would settle to FAILED, or nullopt.
  std::optional<std::string> failure_for(store::WriteTxn& t, const RequestContext& ctx, const Target& target,
                                         const std::string& number, const Quotas& q, bool same_target = false);
  // Starts a workflow (claim, update, metadata) on a record: IN_PROGRESS from now for the
  // transient delay, then CLAIMED or FAILED with `failure`.
  void start_workflow(store::PhoneNumberRecord& r, const RequestContext& ctx, const char* workflow,
                      std::optional<std::string> failure) const;
  void require_not_in_progress(const RequestContext& ctx, const store::PhoneNumberRecord& r);
  // Claimed to the instance itself or to one of its traffic distribution groups.
  bool claimed_to_instance(store::ReadTxn& t, const store::PhoneNumberRecord& r, const store::InstanceRecord& inst);
  Value claimed_summary(store::ReadTxn& t, const RequestContext& ctx, const store::PhoneNumberRecord& r);
  void create_default_flows(store::WriteTxn& t, const RequestContext& ctx, const std::string& instance_id);
  store::ContactFlowRecord require_flow(store::ReadTxn& t, const RequestContext& ctx, const std::string& instance_id,
                                        const std::string& flow_id_or_arn);
  Value instance_value(const store::InstanceRecord& r, const RequestContext& ctx) const;
  // Every transient state (instance and group creation, number workflows) lasts the transient delay.
  bool settling(Millis started_ms, Millis now_ms) const { return now_ms < started_ms + config_.transient_delay_ms; }
  // The tags of a resource as the output map.
  static Value tags_value(const store::TagMap& tags);
  // Stores the Tags (or tags) member of an input on a resource.
  static void put_input_tags(store::WriteTxn& t, const std::string& arn, const Value* tags);
  // Pagination of the list operations: MaxResults (with the operation's default), the position
  // after which the page starts (from a verified NextToken), and the NextToken of the next page.
  struct Page {
    int limit = 0;                           // rows to return
    std::string after;                       // continue strictly after this position ("" from the start)
    std::string binding;                     // what the token is bound to
    int fetch() const { return limit + 1; }  // rows to ask for: one more tells if a page follows
  };
  Page open_page(const RequestContext& ctx, const Value& in, int default_limit, const std::string& filters) const;
  // Cuts `rows` to the page and sets NextToken on `out` (from the last row's position) when another
  // page follows.
  template <class Row, class PositionOf>
  void close_page(const Page& page, std::vector<Row>& rows, Value& out, PositionOf position_of) const {
    if (static_cast<int>(rows.size()) <= page.limit) return;
    rows.resize(static_cast<size_t>(page.limit));
    out.set("NextToken", tokens_->make(page.binding, position_of(rows.back())));
  }
  // The fault rule that fires for this request, consuming one of its firings inside `t` when it
  // has a limit.
  std::optional<FaultRules::Fired> fire_fault(store::WriteTxn& t, const FaultRules::Fired& candidate);

  store::Store& store_;
  const inventory::NumberPlan& plan_;
  inventory::Inventory& inventory_;
  const Clock& clock_;
  IdGenerator& ids_;
  std::optional<PageTokens> tokens_;
  ServiceConfig config_;
  std::function<void(Millis)> apply_clock_offset_;
  FaultRules faults_;
  std::vector<inventory::BlockSpec> default_blocks_;
  std::unordered_map<std::string, Handler> handlers_;

  // Caches that follow the store's changes (refresh() reloads what a change made stale).
  std::mutex refresh_mu_;
  std::atomic<bool> blocks_stale_{false};
  std::atomic<bool> faults_stale_{false};
  std::atomic<bool> reset_pending_{false};
  // Reloads under way: their flags are cleared already, their caches not loaded yet, so a request
  // must wait for them (on refresh_mu_) instead of taking the caches as fresh.
  std::atomic<int> reloading_{0};
  // Holds applied since a reset was announced, replayed over the reloaded snapshot.
  std::vector<std::pair<std::string, Millis>> holds_since_reset_;
};

store::Scope scope_of(const RequestContext& ctx);

}  // namespace cl::connect
