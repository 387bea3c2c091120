#pragma once
// The storage interface. Domain code runs its rules inside one transaction (`Store::write`), so
// uniqueness, idempotency and quota checks hold under concurrency and across nodes; a write returns
// only once it is durable. Backend error codes never leave store/<backend>/.
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

namespace cl::store {

// The backend failed (I/O, lost connection): the domain answers InternalServiceException.
class StoreFailure : public std::runtime_error {
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

// A claimed number. Its workflow status is derived from the stored times: IN_PROGRESS until
// settles_ms, then FAILED (failed_message set) or CLAIMED.
struct PhoneNumberRecord {
  std::string id, account_id, region, number, country, type, target_arn;
  std::optional<std::string> description, source_arn;
  std::string workflow = "CLAIM";  // CLAIM | UPDATE | METADATA
  Millis started_ms = 0, settles_ms = 0;
  std::optional<std::string> failed_message;
  std::optional<std::string> flow_arn;
};

struct PhoneNumberQuery {
  std::string account_id, region;
  std::optional<std::string> target_arn;  // none: every target of the scope
  std::vector<std::string> countries, types;  // empty: any
  std::string prefix;                         // E.164 starts-with, "" for any
  std::string after_number;                   // strictly after, "" from the start
  bool claimed_only = false;                  // settled and not failed
  Millis now_ms = 0;                          // FAILED claims vanish 24 hours after settling
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
};

inline constexpr Millis kFailedHoldMs = 24LL * 3600 * 1000;
inline constexpr Millis kHeldIndefinitely = INT64_MAX;

class Txn {
 public:
  virtual ~Txn() = default;

  // Instances.
  virtual std::optional<InstanceRecord> instance(const Scope& s, const std::string& id) = 0;
  // Ordered by id, strictly after `after_id` (empty: from the start), at most `limit`.
  virtual std::vector<InstanceRecord> instances(const Scope& s, const std::string& after_id, int limit) = 0;
  virtual int64_t count_instances(const Scope& s) = 0;
  // Conflict when the alias is taken in the region.
  virtual Insert insert_instance(const InstanceRecord& r) = 0;
  virtual bool delete_instance(const Scope& s, const std::string& id) = 0;
  virtual void set_replica_region(const Scope& s, const std::string& id, const std::optional<std::string>& region) = 0;

  // Traffic distribution groups, in their home region.
  virtual std::optional<TrafficDistributionGroupRecord> traffic_distribution_group(const Scope& s, const std::string& id) = 0;
  // Conflict when the name is taken in the scope. Groups whose deletion finished before
  // `gone_before_ms` are purged first, so their names are free again.
  virtual Insert insert_traffic_distribution_group(const TrafficDistributionGroupRecord& r, Millis gone_before_ms) = 0;
  // Ordered by id; `instance_id` empty for every instance; groups gone before `gone_before_ms` excluded.
  virtual std::vector<TrafficDistributionGroupRecord> traffic_distribution_groups(const Scope& s,
                                                                                 const std::string& instance_id,
                                                                                 const std::string& after_id, int limit,
                                                                                 Millis gone_before_ms) = 0;
  virtual void mark_traffic_distribution_group_deleted(const Scope& s, const std::string& id, Millis deleted_ms) = 0;

  // Tags, keyed by resource ARN.
  virtual TagMap tags(const std::string& arn) = 0;
  virtual void put_tags(const std::string& arn, const TagMap& tags) = 0;
  virtual void delete_tags(const std::string& arn, const std::vector<std::string>& keys) = 0;
  virtual void delete_all_tags(const std::string& arn) = 0;

  // Idempotency records per (scope, operation, token).
  virtual std::optional<IdempotencyRecord> idempotency(const Scope& s, const std::string& operation,
                                                       const std::string& token) = 0;
  virtual void put_idempotency(const Scope& s, const std::string& operation, const std::string& token,
                               const IdempotencyRecord& r) = 0;

  // Inventory blocks.
  virtual std::vector<BlockRecord> blocks() = 0;
  // Sets r.id; Conflict when the same block exists.
  virtual Insert insert_block(BlockRecord& r) = 0;

  // Number holds: the uniqueness authority. take_hold inserts the hold, or takes over one that
  // expired by now_ms, in one statement; false when the number is held.
  virtual bool take_hold(const std::string& number, Millis until_ms, const std::string& phone_number_id, Millis now_ms) = 0;
  virtual void set_hold(const std::string& number, Millis until_ms) = 0;
  // Holds still in force at now_ms, ordered by number.
  virtual std::vector<std::pair<std::string, Millis>> active_holds(Millis now_ms) = 0;

  // Phone numbers (any region of the account: callers apply the region rules).
  virtual std::optional<PhoneNumberRecord> phone_number(const std::string& account_id, const std::string& id) = 0;
  virtual void insert_phone_number(const PhoneNumberRecord& r) = 0;
  virtual void update_phone_number(const PhoneNumberRecord& r) = 0;
  virtual void delete_phone_number(const std::string& id) = 0;
  // Removes records of this number whose FAILED claim has vanished (before the number is reused).
  virtual void purge_vanished(const std::string& number, Millis now_ms) = 0;
  virtual std::vector<PhoneNumberRecord> phone_numbers(const PhoneNumberQuery& q) = 0;
  // Numbers of a target that count toward its quota: every workflow not settling to FAILED.
  virtual int64_t count_quota_numbers(const std::string& target_arn) = 0;
  virtual std::vector<PhoneNumberRecord> target_numbers(const std::string& target_arn) = 0;

  // Releases, for the claim-release rule.
  virtual void insert_release(const Scope& s, Millis released_ms, const std::string& number) = 0;
  virtual int64_t count_releases_since(const Scope& s, Millis since_ms) = 0;
  virtual std::optional<Millis> oldest_release_since(const Scope& s, Millis since_ms) = 0;

  // External numbers for ImportPhoneNumber.
  virtual std::optional<ExternalNumber> external_number(const std::string& source_arn) = 0;
  virtual void put_external_number(const ExternalNumber& n) = 0;
  virtual std::vector<ExternalNumber> external_numbers() = 0;

  // Contact flows.
  virtual std::optional<ContactFlowRecord> contact_flow(const Scope& s, const std::string& instance_id,
                                                        const std::string& id) = 0;
  // Conflict when the instance already has a flow of that name.
  virtual Insert insert_contact_flow(const ContactFlowRecord& r) = 0;
  virtual std::vector<ContactFlowRecord> contact_flows(const Scope& s, const std::string& instance_id,
                                                       const std::vector<std::string>& types,
                                                       const std::string& after_id, int limit) = 0;
  virtual bool delete_contact_flow(const Scope& s, const std::string& instance_id, const std::string& id) = 0;
  virtual void delete_contact_flows(const Scope& s, const std::string& instance_id) = 0;
  // Phone numbers associated with a flow of the instance whose flow ARNs start with `flow_arn_prefix`.
  virtual std::vector<PhoneNumberRecord> flow_associations(const std::string& account_id,
                                                           const std::string& flow_arn_prefix,
                                                           const std::string& after_id, int limit) = 0;
  virtual void clear_flow(const std::string& flow_arn) = 0;

  // Small settings (clock offset, quota overrides).
  virtual std::optional<std::string> setting(const std::string& key) = 0;
  virtual void put_setting(const std::string& key, const std::string& value) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in one read-write transaction and returns once the change is durable. An exception
  // from `fn` rolls its changes back and is rethrown to the caller.
  virtual void write(const std::function<void(Txn&)>& fn) = 0;
  // Runs `work` where writes are made, without waiting: every write() it makes joins one
  // transaction, and `done` is called once that transaction is durable (with nullptr) or has failed
  // (with the exception from `work` or from the commit; nothing of `work` is kept then). `done`
  // runs on a store thread and must return quickly.
  virtual void submit(std::function<void()> work, std::function<void(std::exception_ptr)> done) = 0;
  // Inside a write: runs `fn` once the write is durable (not at all if it is rolled back).
  virtual void after_commit(std::function<void()> fn) = 0;
  // Runs `fn` on a consistent snapshot; it must not write.
  virtual void read(const std::function<void(Txn&)>& fn) = 0;
  // Deletes all data (admin reset).
  virtual void reset() = 0;
  virtual const char* backend() const = 0;  // "sqlite" | "postgres"
  // True when reads are in-process and never wait on the network or a disk flush, so a caller may
  // run them on an I/O thread.
  virtual bool local_reads() const = 0;
};

// Told of every durable commit: its latency and how many transactions it carried.
using CommitObserver = std::function<void(double seconds, size_t transactions)>;

struct SqliteOptions {
  std::string data_dir;  // ignored when in_memory
  bool in_memory = false;
  size_t max_batch = 512;  // group commit: at most this many transactions per commit
  CommitObserver on_commit;

  static SqliteOptions memory() {
    SqliteOptions o;
    o.in_memory = true;
    return o;
  }
  static SqliteOptions on_disk(std::string dir) {
    SqliteOptions o;
    o.data_dir = std::move(dir);
    return o;
  }
};

std::unique_ptr<Store> open_sqlite(const SqliteOptions& options);

}  // namespace cl::store
