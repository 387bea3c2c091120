#pragma once
// The storage interface. Domain code runs its rules inside one transaction (`Store::write`), so
// uniqueness, idempotency and quota checks hold under concurrency and across nodes; a write returns
// only once it is durable. Backend error codes never leave store/<backend>/.
#include <cstdint>
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
};

struct IdempotencyRecord {
  std::string request_hash;
  std::string response;  // the first response, replayed as is
  Millis created_ms = 0;
};

using TagMap = std::map<std::string, std::string>;

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
  // Runs `fn` on a consistent snapshot; it must not write.
  virtual void read(const std::function<void(Txn&)>& fn) = 0;
  // Deletes all data (admin reset).
  virtual void reset() = 0;
  virtual const char* backend() const = 0;  // "sqlite" | "postgres"
  // True when reads are in-process and never wait on the network or a disk flush, so a caller may
  // run them on an I/O thread.
  virtual bool local_reads() const = 0;
};

struct SqliteOptions {
  std::string data_dir;  // ignored when in_memory
  bool in_memory = false;
  size_t max_batch = 512;  // group commit: at most this many transactions per commit
};

std::unique_ptr<Store> open_sqlite(const SqliteOptions& options);

}  // namespace cl::store
