#pragma once
// The in-memory availability index of one deployment: the number blocks, and which numbers are
// unavailable (held by a claim, FAILED within its hold, or cooling down after release) and until when.
//
// Cost model: a block is a DFA over its free digits (block_automaton.hpp), so finding the next valid
// number never scans invalid ones; each block keeps its held numbers as coalesced runs (a run absorbs
// the invalid numbers between held ones, so a million consecutively claimed numbers are one run).
// A search is O(log runs + digits) per returned number, independent of the inventory's size.
// Expiring holds (finite until_ms) sit in a min-heap and are removed lazily by the first read whose
// now_ms reaches them; the domain clock only moves forward.
//
// Thread-safe: reads (search, available, block_of) share a lock and run in parallel; writes and the
// rare expiry sweep take it exclusively.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/number_plan.hpp"

namespace cl::inventory {

struct BlockInfo {
  int64_t id = 0;
  BlockSpec spec;
  uint64_t valid_count = 0;  // numbers of the block valid for its country and type
};

class Inventory {
 public:
  static constexpr int64_t kForever = std::numeric_limits<int64_t>::max();  // an active claim

  // `plan` must outlive the inventory.
  explicit Inventory(const NumberPlan& plan);
  ~Inventory();
  Inventory(const Inventory&) = delete;
  Inventory& operator=(const Inventory&) = delete;

  // Adds a block (blocks come from the store). Re-adding the same (id, spec) is a no-op. Throws
  // std::invalid_argument for a malformed spec (NumberPlan::automaton) or an id already used by a
  // different spec. Existing holds apply to the new block; that costs a pass over all holds, so at
  // start-up add the blocks first.
  void add_block(int64_t block_id, const BlockSpec& spec);

  // Makes the number unavailable until `until_ms` (exclusive; kForever = held indefinitely).
  // Replaces any earlier hold of the same number. Numbers outside every block are remembered too.
  // Appending in ascending number order (start-up) is the fast path. False for a malformed E.164.
  bool hold(std::string_view e164, int64_t until_ms);
  // Pre-sizes the hold table before a bulk load of `n` holds.
  void reserve_holds(size_t n);
  // Drops the number's hold (claim record deleted without cooldown).
  void unhold(std::string_view e164);

  // Is the number in a block of (country, type), valid for it, and not held at now_ms?
  // UIFN blocks of country "*" serve every country the plan knows.
  bool available(std::string_view e164, std::string_view country, std::string_view type, int64_t now_ms) const;

  struct Page {
    std::vector<std::string> numbers;
    bool more = false;  // at least one further available number exists after the last one
  };
  // Up to `limit` available numbers of (country, type) in ascending E.164 string order, strictly
  // after `after` ("" = from the start), that start with `prefix` ("" or "+" = any; a prefix that
  // contradicts the country, or lacks the '+', yields nothing). Unknown country or type: empty.
  // Numbers in several overlapping blocks are returned once.
  Page search(std::string_view country, std::string_view type, std::string_view prefix, std::string_view after,
              size_t limit, int64_t now_ms) const;

  // The block a number belongs to (and is valid in) for `country`, regardless of holds. With an
  // empty country, any block: a block of the number's libphonenumber region first (+1 800… → US),
  // then the lowest id. Numbers of "*" UIFN blocks match every known country.
  std::optional<BlockInfo> block_of(std::string_view e164, std::string_view country = {}) const;
  // Every block, by id.
  std::vector<BlockInfo> blocks() const;
  // Drops every block and hold (admin reset).
  void clear();
  // Takes every block and hold of `fresh` (built aside, same plan) in one step, so a concurrent
  // reader sees the old index or the new one, never an empty one between them; `fresh` gets the old.
  void replace_with(Inventory& fresh);

  // Introspection for tests and metrics.
  size_t hold_count() const;
  // Coalesced held runs recorded in that block (0 for an unknown block).
  size_t interval_count(int64_t block_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cl::inventory
