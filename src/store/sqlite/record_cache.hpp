#pragma once
// Instance and traffic-distribution-group records for the SQLite store's read transactions: most
// reads only resolve their target (a search answers from memory after that), and a cached record
// spares them every statement, BEGIN and COMMIT included. Write transactions use it too (a claim
// resolves its target), until their batch has run a statement that may change these tables: from
// then on its reads go to SQLite, which holds the batch's own changes.
//
// Never stale, by a generation counter. The writer makes it odd (and empties the cache) before the
// COMMIT of a transaction that may have changed these tables and even again once COMMIT has
// returned, so the cache holds nothing older than the last commit. A read transaction takes the
// generation before its first statement (before its snapshot): it uses the cache, and offers it what
// it read from SQLite, only while the generation is still that even value. So a record read from an
// older snapshot never reaches the cache (a reader misses, reads the old row, a commit invalidates,
// the reader offers the old row: refused), and a transaction never mixes cached records with a
// snapshot taken before or after them.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/store.hpp"

namespace cl::store {

class RecordCache {
 public:
  // Per kind of record; past it the cache starts afresh (deployments have few instances).
  static constexpr size_t kMaxRecords = 4096;

  // Taken by a read transaction before its first statement.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // The writer, around the COMMIT of a transaction that may have changed the cached tables:
  // begin_change() before it, end_change() once it has returned (or failed).
  void begin_change() { bump(); }
  void end_change() { bump(); }

  // The cached record, else load()'s (a record read in the transaction's snapshot), which is kept
  // if the generation is still `generation`. Records that do not exist are not cached.
  template <class Load>
  std::optional<InstanceRecord> instance(uint64_t generation, const Scope& s, const std::string& id, Load&& load) {
    return get(instances_, generation, s, id, std::forward<Load>(load));
  }
  template <class Load>
  std::optional<TrafficDistributionGroupRecord> group(uint64_t generation, const Scope& s, const std::string& id,
                                                      Load&& load) {
    return get(groups_, generation, s, id, std::forward<Load>(load));
  }

  // Tests only: runs between load() and offering its record to the cache.
  void set_before_fill(std::function<void()> hook) { before_fill_ = std::move(hook); }
  size_t size() const {
    std::shared_lock lk(mu_);
    return instances_.size() + groups_.size();
  }

 private:
  template <class Record>
  using Map = std::unordered_map<std::string, Record>;

  static bool usable(uint64_t generation) { return generation % 2 == 0; }

  // Account and region carry their length, so no two keys run together.
  static std::string key(const Scope& s, const std::string& id) {
    std::string k;
    k.reserve(s.account_id.size() + s.region.size() + id.size() + 8);
    for (const std::string* part : {&s.account_id, &s.region}) {
      k += std::to_string(part->size());
      k += ':';
      k += *part;
    }
    k += id;
    return k;
  }

  template <class Record, class Load>
  std::optional<Record> get(Map<Record>& map, uint64_t generation, const Scope& s, const std::string& id, Load&& load) {
    if (!usable(generation)) return load();
    std::string k = key(s, id);
    {
      std::shared_lock lk(mu_);
      if (generation_.load(std::memory_order_relaxed) != generation) return load();
      if (auto it = map.find(k); it != map.end()) return it->second;
    }
    std::optional<Record> r = load();
    if (!r) return r;
    if (before_fill_) before_fill_();
    std::unique_lock lk(mu_);
    if (generation_.load(std::memory_order_relaxed) != generation) return r;
    if (map.size() >= kMaxRecords) map.clear();
    map.insert_or_assign(std::move(k), *r);
    return r;
  }

  void bump() {
    std::unique_lock lk(mu_);
    generation_.fetch_add(1, std::memory_order_release);
    instances_.clear();
    groups_.clear();
  }

  mutable std::shared_mutex mu_;
  std::atomic<uint64_t> generation_{0};  // changed under mu_ (exclusive)
  Map<InstanceRecord> instances_;
  Map<TrafficDistributionGroupRecord> groups_;
  std::function<void()> before_fill_;
};

}  // namespace cl::store
