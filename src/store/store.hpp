#pragma once
// The storage interface: all the domain sees of a backend. Backend error codes never leave
// store/<backend>/; each backend declares its own options and factory (sqlite/sqlite_store.hpp,
// postgres/postgres_store.hpp).
//
// Concurrency contract, kept by every backend: on one node (SQLite, one process per data directory)
// or on many sharing one database (PostgreSQL):
// - A write transaction (WriteTxn) is owned by whoever runs the operation and handed to it; nothing
//   joins a transaction implicitly. Each statement of a write transaction sees every change
//   committed before the statement started.
// - Every row a write transaction reads by key (instance, traffic distribution group, phone number,
//   contact flow) stays locked against other write transactions until the transaction ends, and
//   counting a scope's instances locks the scope. A rule enforced as "read, then write" therefore
//   holds on any number of nodes as long as the domain first reads the row the rule is about: the
//   target's quota (read the target), the tag limit (read the resource), a claim to a group that is
//   being deleted (both read the group), the instance quota (count_instances).
// - Uniqueness that needs no prior read is a constraint: the number hold (one statement, take_hold),
//   instance aliases, group and flow names, idempotency tokens (insert_idempotency).
// - A write transaction may run more than once: after a deadlock or serialization failure in the
//   backend, or when its closure throws Retry. Its closure must therefore have no effect outside the
//   transaction; what other parts of the server must learn from it is published as Changes, which
//   reach the change listener once, after the commit.
// - A read transaction (ReadTxn) sees one consistent snapshot and cannot write: writes exist only on
//   WriteTxn. Before a transaction starts, the node has applied every change that any node had
//   acknowledged (committed) by then.
// - An unexpected constraint failure is a StoreFailure, never a silent "no row".
// SQLite keeps the contract by running write transactions one at a time on one writer thread (group
// commit: many transactions per fsync, each in its own savepoint). PostgreSQL keeps it with READ
// COMMITTED, SELECT … FOR UPDATE on keyed reads in write transactions, and a bounded retry.
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/value.hpp"

namespace cl::store {

// The backend failed (I/O, lost connection, unexpected constraint): the domain answers
// InternalServiceException.
class StoreFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a write transaction's closure (or by a backend) when the transaction lost a race it can
// win by running again; the runner rolls back and runs it again (a bounded number of times).
class Retry : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Insert { Ok, Conflict };

struct Scope {
  std::string account_id;
  std::string region;
};

struct InstanceRecord {
  std::string account_id, region, id;
  std::string identity_management_type;
  std::optional<std::string> alias;
  std::optional<std::string> directory_id;
  bool inbound_calls = false;
  bool outbound_calls = false;
  std::string service_role;
  Millis created_ms = 0;
  std::optional<std::string> source_region;   // set on a replica
  std::optional<std::string> replica_region;  // set on a replicated source
};

struct TrafficDistributionGroupRecord {
  std::string account_id, region, id, instance_id, name;
  std::optional<std::string> description;
  bool is_default = false;
  Millis created_ms = 0;
  std::optional<Millis> deleted_ms;
};

struct IdempotencyRecord {
  std::string request_hash;
  std::string response;  // the first response, replayed as is
  Millis created_ms = 0;
};

using TagMap = std::map<std::string, std::string>;

struct BlockRecord {
  int64_t id = 0;
  std::string country, type, prefix;
  int length = 0;
};

inline constexpr Millis kNever = INT64_MAX;

// A claimed number. The domain computes every derived value; the store keeps and filters plain
// columns: the workflow is IN_PROGRESS until settles_ms, then FAILED (failed_message set) or CLAIMED;
// the record stops being visible at vanishes_ms (a FAILED claim's end of hold; kNever otherwise);
// counts_toward_quota says whether it takes one of its target's quota slots.
struct PhoneNumberRecord {
  std::string id, account_id, region, number, country, type, target_arn;
  std::optional<std::string> description, source_arn;
  std::string workflow = "CLAIM";  // CLAIM | UPDATE | METADATA
  Millis started_ms = 0, settles_ms = 0;
  std::optional<std::string> failed_message;
  std::optional<std::string> flow_arn;
  Millis vanishes_ms = kNever;
  bool counts_toward_quota = true;
};

struct PhoneNumberQuery {
  std::string account_id, region;
  std::optional<std::string> target_arn;      // none: every target of the scope
  std::vector<std::string> countries, types;  // empty: any
  std::string prefix;                         // E.164 starts-with, "" for any
  std::string after_number;                   // strictly after, "" from the start
  bool claimed_only = false;                  // settled by now_ms and not failed
  Millis now_ms = 0;                          // records that vanished by now_ms are left out
  int limit = 100;
};

struct ExternalNumber {
  std::string source_arn, number, country, type;
};

struct ContactFlowRecord {
  std::string account_id, region, instance_id, id, name, type;
  std::optional<std::string> description;
  std::string content, status;
  Millis modified_ms = 0;
  std::string state = "ACTIVE";  // ACTIVE | ARCHIVED
};

struct ReleaseCount {
  int64_t count = 0;
  std::optional<Millis> oldest_ms;  // the oldest counted release
};

// A fault rule as stored: its definition (JSON, owned by the domain) and how many more times it may
// fire (nullopt: no limit).
struct FaultRuleRecord {
  std::string id;
  std::string definition;
  std::optional<int64_t> times_left;
};

// What a commit changes that nodes keep cached: number availability, inventory blocks, fault rules,
// the domain clock, or everything (reset). Published by write transactions; applied by the change
// listener of every node once committed.
struct Change {
  enum class Kind { Hold, Block, Faults, Clock, Reset };
  Kind kind = Kind::Hold;
  std::string number;   // Hold: the number, unavailable until until_ms
  Millis until_ms = 0;  // Hold
  int64_t value = 0;    // Block: the block id; Clock: the new offset in ms
};

// One table of a snapshot (admin export/import): its columns and rows; each value is a string, an
// integer or null. schema_migrations is part of a snapshot, so a snapshot loads only into the schema
// it was taken from.
struct TableSnapshot {
  std::string name;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;

  // Instances.
  virtual std::optional<InstanceRecord> instance(const Scope& s, const std::string& id) = 0;
  // Ordered by id, strictly after `after_id` (empty: from the start), at most `limit`.
  virtual std::vector<InstanceRecord> instances(const Scope& s, const std::string& after_id, int limit) = 0;
  virtual int64_t count_instances(const Scope& s) = 0;
  // Attributes set on an instance (UpdateInstanceAttribute), by attribute type; absent ones have
  // the default of a new instance (the domain knows it).
  virtual std::map<std::string, std::string> instance_attributes(const Scope& s, const std::string& instance_id) = 0;

  // Traffic distribution groups, in their home region.
  virtual std::optional<TrafficDistributionGroupRecord> traffic_distribution_group(const Scope& s,
                                                                                   const std::string& id) = 0;
  // Ordered by id; `instance_id` empty for every instance; groups whose deletion finished before
  // `gone_before_ms` are left out.
  virtual std::vector<TrafficDistributionGroupRecord> traffic_distribution_groups(const Scope& s,
                                                                                  const std::string& instance_id,
                                                                                  const std::string& after_id,
                                                                                  int limit, Millis gone_before_ms) = 0;

  // Tags, keyed by resource ARN.
  virtual TagMap tags(const std::string& arn) = 0;

  // Idempotency records per (scope, operation, token).
  virtual std::optional<IdempotencyRecord> idempotency(const Scope& s, const std::string& operation,
                                                       const std::string& token) = 0;

  // Inventory blocks, by id.
  virtual std::vector<BlockRecord> blocks() = 0;
  // Holds in force at now_ms, ordered by number.
  virtual std::vector<std::pair<std::string, Millis>> active_holds(Millis now_ms) = 0;

  // Phone numbers (any region of the account: callers apply the region rules). A vanished record
  // is still returned by phone_number(): callers compare vanishes_ms with their time.
  virtual std::optional<PhoneNumberRecord> phone_number(const std::string& account_id, const std::string& id) = 0;
  virtual std::vector<PhoneNumberRecord> phone_numbers(const PhoneNumberQuery& q) = 0;
  // Records of the target with counts_toward_quota.
  virtual int64_t count_quota_numbers(const std::string& target_arn) = 0;
  // Every record of the target, ordered by number.
  virtual std::vector<PhoneNumberRecord> target_numbers(const std::string& target_arn) = 0;
  // The visible record (vanishes_ms > now_ms) of any account that the number's hold names (the
  // last take_hold), if any.
  virtual std::optional<PhoneNumberRecord> holder_of(const std::string& number, Millis now_ms) = 0;

  // Releases after `since_ms`, for the claim-release rule.
  virtual ReleaseCount releases_since(const Scope& s, Millis since_ms) = 0;

  // External numbers for ImportPhoneNumber.
  virtual std::optional<ExternalNumber> external_number(const std::string& source_arn) = 0;
  virtual std::vector<ExternalNumber> external_numbers() = 0;

  // Contact flows.
  virtual std::optional<ContactFlowRecord> contact_flow(const Scope& s, const std::string& instance_id,
                                                        const std::string& id) = 0;
  virtual std::vector<ContactFlowRecord> contact_flows(const Scope& s, const std::string& instance_id,
                                                       const std::vector<std::string>& types,
                                                       const std::string& after_id, int limit) = 0;
  // Phone numbers associated with a flow whose ARN starts with `flow_arn_prefix`, ordered by id.
  virtual std::vector<PhoneNumberRecord> flow_associations(const std::string& account_id,
                                                           const std::string& flow_arn_prefix,
                                                           const std::string& after_id, int limit) = 0;

  // Small settings (quota overrides, the page-token key, the clock offset).
  virtual std::optional<std::string> setting(const std::string& key) = 0;

  // Fault rules, by id.
  virtual std::vector<FaultRuleRecord> fault_rules() = 0;

  // Every table, for a snapshot.
  virtual std::vector<TableSnapshot> dump_tables() = 0;
};

class WriteTxn : public ReadTxn {
 public:
  // Instances. Conflict when the alias is taken in the region.
  virtual Insert insert_instance(const InstanceRecord& r) = 0;
  virtual bool delete_instance(const Scope& s, const std::string& id) = 0;
  virtual void set_replica_region(const Scope& s, const std::string& id, const std::optional<std::string>& region) = 0;
  virtual void set_instance_calls(const Scope& s, const std::string& id, bool inbound, bool outbound) = 0;
  virtual void put_instance_attribute(const Scope& s, const std::string& instance_id, const std::string& type,
                                      const std::string& value) = 0;
  virtual void delete_instance_attributes(const Scope& s, const std::string& instance_id) = 0;

  // Traffic distribution groups. Conflict when the name is taken in the scope.
  virtual Insert insert_traffic_distribution_group(const TrafficDistributionGroupRecord& r) = 0;
  virtual void mark_traffic_distribution_group_deleted(const Scope& s, const std::string& id, Millis deleted_ms) = 0;
  // Deletes the groups whose deletion finished before `gone_before_ms`; returns their ids.
  virtual std::vector<std::string> delete_gone_traffic_distribution_groups(const Scope& s, Millis gone_before_ms) = 0;

  // Tags.
  virtual void put_tags(const std::string& arn, const TagMap& tags) = 0;
  virtual void delete_tags(const std::string& arn, const std::vector<std::string>& keys) = 0;
  virtual void delete_all_tags(const std::string& arn) = 0;

  // Records the first response to a token. Conflict when a record created at or after
  // `expired_before_ms` exists (a concurrent request with the same token won); an older record is
  // replaced.
  virtual Insert insert_idempotency(const Scope& s, const std::string& operation, const std::string& token,
                                    const IdempotencyRecord& r, Millis expired_before_ms) = 0;

  // Sets r.id; Conflict when the same block exists.
  virtual Insert insert_block(BlockRecord& r) = 0;

  // Number holds: the uniqueness authority across accounts and nodes. take_hold inserts the hold,
  // or takes over one that ended by now_ms or that `phone_number_id_taken_over` holds, in one
  // statement; false when the number is held by someone else.
  virtual bool take_hold(const std::string& number, Millis until_ms, const std::string& phone_number_id, Millis now_ms,
                         const std::string& phone_number_id_taken_over = {}) = 0;
  virtual void set_hold(const std::string& number, Millis until_ms) = 0;

  // Phone numbers.
  virtual void insert_phone_number(const PhoneNumberRecord& r) = 0;
  virtual void update_phone_number(const PhoneNumberRecord& r) = 0;
  virtual void delete_phone_number(const std::string& id) = 0;
  // Deletes the records of this number that vanished by now_ms (before the number is reused).
  virtual void purge_vanished(const std::string& number, Millis now_ms) = 0;

  virtual void insert_release(const Scope& s, Millis released_ms, const std::string& number) = 0;

  virtual void put_external_number(const ExternalNumber& n) = 0;

  // Contact flows. Conflict when the instance already has a flow of that name.
  virtual Insert insert_contact_flow(const ContactFlowRecord& r) = 0;
  // Stores name, description, content, status, state and modified_ms of an existing flow; Conflict
  // when another flow of the instance has that name.
  virtual Insert update_contact_flow(const ContactFlowRecord& r) = 0;
  virtual bool delete_contact_flow(const Scope& s, const std::string& instance_id, const std::string& id) = 0;
  virtual void delete_contact_flows(const Scope& s, const std::string& instance_id) = 0;
  virtual void clear_flow(const std::string& flow_arn) = 0;

  virtual void put_setting(const std::string& key, const std::string& value) = 0;
  // Conflict when the setting exists already (its value is kept): for values every node must share
  // from the first one that chose them (the page-token key).
  virtual Insert insert_setting(const std::string& key, const std::string& value) = 0;

  // Fault rules.
  virtual void put_fault_rule(const FaultRuleRecord& r) = 0;
  virtual bool delete_fault_rule(const std::string& id) = 0;
  virtual void delete_fault_rules() = 0;
  // Takes one firing of a rule with a limit: false when it has none left.
  virtual bool consume_fault_rule(const std::string& id) = 0;

  // Deletes every row of every table (admin reset).
  virtual void delete_everything() = 0;
  // Loads a snapshot into empty tables (after delete_everything). Throws std::invalid_argument naming
  // what does not fit: another schema version, an unknown table or column, a value of the wrong kind.
  virtual void load_tables(const std::vector<TableSnapshot>& tables) = 0;

  // Tells every node, once this transaction commits, what it changed (see Change).
  virtual void publish(const Change& c) = 0;
};

// Told of the changes of every commit: this node's, right after each commit and before its caller
// hears of it; other nodes', before the next transaction starts here.
using ChangeListener = std::function<void(const std::vector<Change>&)>;

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in one read-write transaction and returns once the change is durable. An exception
  // from `fn` rolls its changes back and is rethrown (Retry: `fn` runs again).
  virtual void write(const std::function<void(WriteTxn&)>& fn) = 0;
  // The same without waiting: `done` is called once the transaction is durable (with nullptr) or
  // has failed (with the exception from `fn` or from the commit; nothing of `fn` is kept then).
  // `done` runs on a store thread and must return quickly.
  virtual void submit(std::function<void(WriteTxn&)> fn, std::function<void(std::exception_ptr)> done) = 0;
  // Runs `fn` on a consistent snapshot. It may run `fn` again, on a newer snapshot, when the first
  // run may have seen two states (SQLite's record cache), so `fn` keeps only what its last run read.
  virtual void read(const std::function<void(ReadTxn&)>& fn) = 0;
  // Registers the one change listener; call before the first transaction.
  virtual void set_change_listener(ChangeListener listener) = 0;
  virtual const char* backend() const = 0;  // "sqlite" | "postgres"
  // True when reads are in-process and never wait on the network or a disk flush, so a caller may
  // run them on an I/O thread.
  virtual bool local_reads() const = 0;
  // Why the store can no longer accept writes, once it cannot (SQLite: a sync of the WAL failed);
  // nothing while it can. Health checks report it.
  virtual std::optional<std::string> failure() const { return std::nullopt; }
};

// Told of every durable commit: its latency and how many transactions it carried.
using CommitObserver = std::function<void(double seconds, size_t transactions)>;

}  // namespace cl::store
