#pragma once
// A small NFA over the ten digits for the regular-expression subset that libphonenumber's metadata
// patterns use (digits, \d, [classes], (?:groups), |, ?, *, +, {n}, {n,m}, {n,}). Matching is always
// a full match of the national significant number, as libphonenumber does. Several patterns can be
// loaded into one automaton, each with a tag; a state set reports which tags accept.
//
// Why not PCRE2 partial matching: a partial match says "some longer string could match" without
// regard to length, so a DFS over the digits of a fixed-length block could not prune subtrees that
// only match at other lengths. An explicit automaton lets a block compute exact "a valid completion
// of exactly r digits exists" tables (see block_automaton.hpp).

#include <cstdint>
#include <string_view>
#include <vector>

namespace cl::inventory::detail {

class DigitNfa {
 public:
  using StateSet = std::vector<int32_t>;  // sorted ids of digit and accept states

  // Adds `pattern` as component `tag` (0..31). Throws std::invalid_argument on unsupported syntax.
  void add(std::string_view pattern, int tag);
  // Freezes the automaton (computes the epsilon-free transition lists). Call once after add().
  void finish();

  StateSet start() const { return start_; }
  // The state set after reading one digit (0..9); empty when no pattern can continue.
  StateSet step(const StateSet& s, int digit) const;
  // Bit t set when component t fully matches the digits read so far.
  uint32_t accepted(const StateSet& s) const;
  // Convenience: the accepted mask after reading all of `digits` (non-digits: 0).
  uint32_t match(std::string_view digits) const;
  size_t state_count() const { return nodes_.size(); }

  struct Ast;  // parsed pattern (digit_nfa.cpp)

 private:
  struct Node {
    uint16_t mask = 0;  // digits leading along `out` (0: not a digit state)
    int32_t out = -1;   // target of the digit edge
    std::vector<int32_t> eps;
    int32_t tag = -1;  // >= 0: accept state of component `tag`
  };
  struct Frag {
    int32_t in, out;
  };

  int32_t node();
  void eps(int32_t from, int32_t to);
  Frag build(const Ast& a);
  void closure(int32_t n, std::vector<int32_t>& into, std::vector<uint32_t>& seen, uint32_t stamp) const;

  std::vector<Node> nodes_;
  std::vector<int32_t> starts_;
  StateSet start_;
  // follow_[follow_off_[n] .. follow_off_[n+1]) = epsilon closure of nodes_[n].out (important states only)
  std::vector<uint32_t> follow_off_;
  std::vector<int32_t> follow_;
};

}  // namespace cl::inventory::detail
