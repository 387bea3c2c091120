#include "inventory/block_automaton.hpp"
#include "inventory/pow10.hpp"

#include <stdexcept>
#include <unordered_map>

namespace cl::inventory {

namespace {

struct SetHash {
  size_t operator()(const detail::DigitNfa::StateSet& s) const noexcept {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int32_t x : s) h = (h ^ uint32_t(x)) * 0x100000001b3ull;
    return size_t(h);
  }
};

}  // namespace

BlockAutomaton BlockAutomaton::any_digits(int digits) {
  if (digits < 0 || digits > kMaxDigits) throw std::invalid_argument("block has too many free digits");
  BlockAutomaton a;
  a.digits_ = digits;
  a.size_ = kPow10[digits];
  a.valid_count_ = a.size_;
  a.start_ = 0;
  std::array<int32_t, 10> self;
  self.fill(0);
  a.next_.push_back(self);
  a.live_.push_back(uint16_t((1u << (digits + 1)) - 1));
  return a;
}

BlockAutomaton BlockAutomaton::build(const detail::DigitNfa& nfa, const detail::DigitNfa::StateSet& start, int digits,
                                     const std::function<bool(uint32_t)>& accept, size_t max_states) {
  if (digits < 0 || digits > kMaxDigits) throw std::invalid_argument("block has too many free digits");
  BlockAutomaton a;
  a.digits_ = digits;
  a.size_ = kPow10[digits];
  if (start.empty()) return a;

  // Breadth-first subset construction, layer by layer, never past `digits` characters. A state
  // first seen at depth `digits` is only ever used there, so it is not expanded.
  std::unordered_map<detail::DigitNfa::StateSet, int32_t, SetHash> ids;
  std::vector<detail::DigitNfa::StateSet> sets;
  std::vector<uint8_t> accepting;
  auto intern = [&](detail::DigitNfa::StateSet&& s) -> int32_t {
    if (s.empty()) return -1;
    auto [it, fresh] = ids.try_emplace(s, int32_t(sets.size()));
    if (fresh) {
      if (sets.size() >= max_states) throw std::length_error("block number plan too complex");
      accepting.push_back(accept(nfa.accepted(s)) ? 1 : 0);
      sets.push_back(std::move(s));
      std::array<int32_t, 10> none;
      none.fill(-1);
      a.next_.push_back(none);
    }
    return it->second;
  };
  detail::DigitNfa::StateSet s0 = start;
  intern(std::move(s0));
  size_t layer_begin = 0, layer_end = 1;
  for (int depth = 0; depth < digits && layer_begin < layer_end; ++depth) {
    for (size_t q = layer_begin; q < layer_end; ++q) {
      for (int d = 0; d < 10; ++d) {
        int32_t t = intern(nfa.step(sets[q], d));
        a.next_[q][size_t(d)] = t;
      }
    }
    layer_begin = layer_end;
    layer_end = sets.size();
  }
  sets.clear();
  ids.clear();

  const size_t n = a.next_.size();
  a.live_.assign(n, 0);
  std::vector<uint64_t> count(n), prev(n);
  for (size_t q = 0; q < n; ++q) {
    if (accepting[q]) a.live_[q] = 1;
    prev[q] = accepting[q];
  }
  for (int r = 1; r <= digits; ++r) {
    for (size_t q = 0; q < n; ++q) {
      uint64_t c = 0;
      for (int32_t t : a.next_[q])
        if (t >= 0) c += prev[size_t(t)];
      count[q] = c;
      if (c) a.live_[q] |= uint16_t(1u << r);
    }
    std::swap(count, prev);
  }
  a.valid_count_ = prev[0];
  // Drop edges into states that accept nothing at any length, so the walk never follows them.
  for (auto& row : a.next_)
    for (int32_t& t : row)
      if (t >= 0 && a.live_[size_t(t)] == 0) t = -1;
  a.start_ = a.valid_count_ ? 0 : -1;
  return a;
}

bool BlockAutomaton::valid(uint64_t s) const {
  if (start_ < 0 || s >= size_) return false;
  int32_t q = start_;
  for (int i = digits_ - 1; i >= 0; --i) {
    int d = int((s / kPow10[i]) % 10);
    q = next_[size_t(q)][size_t(d)];
    if (!live(q, i)) return false;
  }
  return live(q, 0);
}

std::optional<uint64_t> BlockAutomaton::next_valid(uint64_t from) const {
  if (start_ < 0 || from >= size_) return std::nullopt;
  const int k = digits_;
  int dig[kMaxDigits];
  int32_t path[kMaxDigits + 1];
  for (int i = 0; i < k; ++i) dig[i] = int((from / kPow10[k - 1 - i]) % 10);
  path[0] = start_;
  // Follow `from` itself as far as it stays live.
  int i = 0;
  for (; i < k; ++i) {
    int32_t t = next_[size_t(path[i])][size_t(dig[i])];
    if (!live(t, k - i - 1)) break;
    path[i + 1] = t;
  }
  if (i == k) return from;
  // Position i cannot keep from's digit: take the smallest larger live digit there, or further up.
  for (int j = i; j >= 0; --j) {
    for (int e = dig[j] + 1; e <= 9; ++e) {
      int32_t t = next_[size_t(path[j])][size_t(e)];
      if (!live(t, k - j - 1)) continue;
      uint64_t v = from / kPow10[k - j] * 10 + uint64_t(e);
      int32_t q = t;
      for (int m = j + 1; m < k; ++m) {
        for (int f = 0; f <= 9; ++f) {
          int32_t u = next_[size_t(q)][size_t(f)];
          if (live(u, k - m - 1)) {
            v = v * 10 + uint64_t(f);
            q = u;
            break;
          }
        }
      }
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace cl::inventory
