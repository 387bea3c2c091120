#pragma once
// The exact set of valid numbers of one block, as a DFA over its free (subscriber) digits with a
// "a valid completion of exactly r more digits exists" bit per state. With it, "the smallest valid
// number >= x" costs O(10 x digits) transitions whatever the block's size or how sparse its valid
// numbers are: the walk never enters a subtree without a valid leaf.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "inventory/digit_nfa.hpp"

namespace cl::inventory {

class BlockAutomaton {
 public:
  static constexpr int kMaxDigits = 15;

  BlockAutomaton() = default;
  // Every combination of `digits` digits is valid (blocks of types without a validation class).
  static BlockAutomaton any_digits(int digits);
  // Builds from the NFA state set reached after reading the block's fixed digits; `accept(mask)`
  // decides a complete number from the mask of matching NFA components. Throws std::length_error
  // beyond `max_states` DFA states.
  static BlockAutomaton build(const detail::DigitNfa& nfa, const detail::DigitNfa::StateSet& start, int digits,
                              const std::function<bool(uint32_t)>& accept, size_t max_states = 1u << 18);

  int digits() const { return digits_; }
  uint64_t size() const { return size_; }  // 10^digits
  uint64_t valid_count() const { return valid_count_; }
  size_t state_count() const { return next_.size(); }

  bool valid(uint64_t s) const;
  // Smallest valid subscriber value >= from, if any.
  std::optional<uint64_t> next_valid(uint64_t from) const;

 private:
  bool live(int32_t q, int remaining) const { return q >= 0 && ((live_[size_t(q)] >> remaining) & 1u); }

  int digits_ = 0;
  uint64_t size_ = 1;
  uint64_t valid_count_ = 0;
  int32_t start_ = -1;
  std::vector<std::array<int32_t, 10>> next_;  // -1: no valid completion that way
  std::vector<uint16_t> live_;                 // bit r: accepts some string of exactly r more digits
};

}  // namespace cl::inventory
