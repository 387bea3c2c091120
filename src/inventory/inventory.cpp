#include "inventory/inventory.hpp"
#include "inventory/pow10.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>

namespace cl::inventory {

namespace {

// A number as an integer key: (count of digits << 50) | value of the digits (at most 15 < 2^50).
constexpr int kValueBits = 50;
constexpr uint64_t kValueMask = (1ull << kValueBits) - 1;

std::optional<uint64_t> key_of(std::string_view e164) {
  if (e164.size() < 2 || e164.size() > 16 || e164[0] != '+') return std::nullopt;
  uint64_t v = 0;
  for (char c : e164.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  return (uint64_t(e164.size() - 1) << kValueBits) | v;
}

std::string digits_of(uint64_t v, int width) {
  std::string s(size_t(width), '0');
  for (int i = width - 1; i >= 0; --i, v /= 10) s[size_t(i)] = char('0' + v % 10);
  return s;
}

// Smallest k-digit x such that prefix + x > after (as strings), if any.
std::optional<uint64_t> first_after(std::string_view prefix, int k, std::string_view after) {
  const size_t m = std::min(after.size(), prefix.size());
  const int c = after.substr(0, m).compare(prefix.substr(0, m));
  if (c < 0) return 0;
  if (c > 0) return std::nullopt;
  if (after.size() < prefix.size()) return 0;
  if (after.size() == prefix.size()) return k > 0 ? std::optional<uint64_t>(0) : std::nullopt;
  const std::string_view r = after.substr(prefix.size());
  uint64_t v = 0;
  const size_t n = std::min(r.size(), size_t(k));
  for (size_t i = 0; i < n; ++i) {
    const char ch = r[i];
    if (ch < '0') return v * kPow10[size_t(k) - i];  // any digit beats ch
    if (ch > '9') {                                  // no digit beats ch: bump the digits before it
      if (v + 1 == kPow10[i]) return std::nullopt;
      return (v + 1) * kPow10[size_t(k) - i];
    }
    v = v * 10 + uint64_t(ch - '0');
  }
  if (r.size() < size_t(k)) return v * kPow10[size_t(k) - r.size()];  // longer, same start: greater
  if (v + 1 == kPow10[k]) return std::nullopt;
  return v + 1;
}

struct Block {
  int64_t id = 0;
  BlockSpec spec;
  BlockAutomaton dfa;
  int n = 0;                  // digits of each number
  int k = 0;                  // free digits
  uint64_t prefix_value = 0;  // value of the prefix's digits
  // Held runs over the free digits: start -> end (inclusive). Every valid number inside a run is
  // held; two runs are always separated by at least one valid number that is not held.
  std::map<uint64_t, uint64_t> held;

  std::string number(uint64_t s) const { return spec.prefix + digits_of(s, k); }

  // Is there no valid number strictly between a and c?
  bool gap_empty(uint64_t a, uint64_t c) const {
    if (a + 1 >= c) return true;
    auto v = dfa.next_valid(a + 1);
    return !v || *v >= c;
  }

  // s is valid and now held.
  void insert(uint64_t s) {
    auto it = (held.empty() || s > held.rbegin()->first) ? held.end() : held.upper_bound(s);
    auto left = held.end();
    if (it != held.begin()) {
      left = std::prev(it);
      if (left->second >= s) return;  // already inside a run
    }
    const bool merge_left = left != held.end() && gap_empty(left->second, s);
    const bool merge_right = it != held.end() && gap_empty(s, it->first);
    if (merge_left && merge_right) {
      left->second = it->second;
      held.erase(it);
    } else if (merge_left) {
      left->second = s;
    } else if (merge_right) {
      const uint64_t end = it->second;
      it = held.erase(it);
      held.emplace_hint(it, s, end);
    } else {
      held.emplace_hint(it, s, s);
    }
  }

  // s is valid and no longer held: split its run around it.
  void erase(uint64_t s) {
    auto it = held.upper_bound(s);
    if (it == held.begin()) return;
    --it;
    if (it->second < s) return;
    const uint64_t start = it->first, end = it->second;
    auto lv = start < s ? dfa.next_valid(start) : std::nullopt;
    if (lv && *lv < s) {
      it->second = s - 1;
      ++it;
    } else {
      it = held.erase(it);
    }
    if (s < end) {
      auto rv = dfa.next_valid(s + 1);
      if (rv && *rv <= end) held.emplace_hint(it, *rv, end);
    }
  }

  // Smallest valid, unheld s in [from, hi].
  std::optional<uint64_t> next_free(uint64_t from, uint64_t hi) const {
    while (from <= hi) {
      auto v = dfa.next_valid(from);
      if (!v || *v > hi) return std::nullopt;
      auto it = held.upper_bound(*v);
      if (it == held.begin()) return v;
      --it;
      if (it->second < *v) return v;
      from = it->second + 1;
    }
    return std::nullopt;
  }
};

std::string class_key(std::string_view country, std::string_view type) {
  std::string k;
  k.reserve(country.size() + 1 + type.size());
  k.append(country).append(1, '|').append(type);
  return k;
}

// Blocks of one (digit count, free digit count), by the value of their prefix.
struct PrefixIndex {
  int n = 0, k = 0;
  std::unordered_map<uint64_t, std::vector<Block*>> by_prefix;
};

}  // namespace

struct Inventory::Impl {
  explicit Impl(const NumberPlan& p) : plan(p) {}

  const NumberPlan& plan;
  mutable std::shared_mutex mu;
  std::map<int64_t, std::unique_ptr<Block>> blocks;
  std::map<std::string, std::vector<Block*>, std::less<>> by_class;  // class_key(country, type)
  std::vector<PrefixIndex> prefixes;
  // Mutable: the lazy expiry sweep runs inside logically const reads.
  mutable std::unordered_map<uint64_t, int64_t> holds;  // key -> until_ms
  using Expiry = std::pair<int64_t, uint64_t>;
  mutable std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries;
  mutable std::atomic<int64_t> next_expiry{kForever};

  // Calls f(block, s) for every block containing the number `key`.
  template <class F>
  void for_blocks(uint64_t key, F&& f) const {
    const int n = int(key >> kValueBits);
    const uint64_t v = key & kValueMask;
    for (const PrefixIndex& p : prefixes) {
      if (p.n != n) continue;
      auto it = p.by_prefix.find(v / kPow10[p.k]);
      if (it == p.by_prefix.end()) continue;
      for (Block* b : it->second) f(*b, v % kPow10[p.k]);
    }
  }

  void index(Block* b) {
    by_class[class_key(b->spec.country, b->spec.type)].push_back(b);
    auto p = std::find_if(prefixes.begin(), prefixes.end(),
                          [&](const PrefixIndex& x) { return x.n == b->n && x.k == b->k; });
    if (p == prefixes.end()) {
      prefixes.push_back({b->n, b->k, {}});
      p = std::prev(prefixes.end());
    }
    p->by_prefix[b->prefix_value].push_back(b);
  }

  void expire_locked(int64_t now) const {
    while (!expiries.empty() && expiries.top().first <= now) {
      const auto [until, key] = expiries.top();
      expiries.pop();
      auto it = holds.find(key);
      if (it == holds.end() || it->second != until) continue;  // replaced or dropped since
      holds.erase(it);
      for_blocks(key, [](Block& b, uint64_t s) {
        if (b.dfa.valid(s)) b.erase(s);
      });
    }
    next_expiry.store(expiries.empty() ? kForever : expiries.top().first, std::memory_order_release);
  }

  void expire(int64_t now) const {
    if (now < next_expiry.load(std::memory_order_acquire)) return;
    std::unique_lock lk(mu);
    expire_locked(now);
  }

  // Blocks serving searches of (country, type).
  void serving(std::string_view country, std::string_view type, std::vector<Block*>& out) const {
    auto add = [&](std::string_view c) {
      auto it = by_class.find(class_key(c, type));
      if (it != by_class.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    };
    add(country);
    if (type == "UIFN" && country != kEveryCountry) add(kEveryCountry);
  }

  bool serves(const Block& b, std::string_view country) const {
    return b.spec.country == country || (b.spec.country == kEveryCountry && plan.knows_country(country));
  }
};

Inventory::Inventory(const NumberPlan& plan) : impl_(std::make_unique<Impl>(plan)) {}
Inventory::~Inventory() = default;

void Inventory::add_block(int64_t block_id, const BlockSpec& spec) {
  BlockAutomaton dfa = impl_->plan.automaton(spec);  // throws for a malformed spec; outside the lock
  std::unique_lock lk(impl_->mu);
  if (auto it = impl_->blocks.find(block_id); it != impl_->blocks.end()) {
    if (it->second->spec == spec) return;
    throw std::invalid_argument("block id " + std::to_string(block_id) + " already names another block");
  }
  auto b = std::make_unique<Block>();
  b->id = block_id;
  b->spec = spec;
  b->dfa = std::move(dfa);
  b->n = spec.length - 1;
  b->k = b->dfa.digits();
  for (char c : std::string_view(spec.prefix).substr(1)) b->prefix_value = b->prefix_value * 10 + uint64_t(c - '0');
  Block* raw = b.get();
  impl_->blocks.emplace(block_id, std::move(b));
  impl_->index(raw);
  // Holds recorded before the block existed.
  std::vector<uint64_t> mine;
  for (const auto& [key, until] : impl_->holds) {
    if (int(key >> kValueBits) != raw->n) continue;
    const uint64_t v = key & kValueMask;
    if (v / kPow10[raw->k] == raw->prefix_value && raw->dfa.valid(v % kPow10[raw->k]))
      mine.push_back(v % kPow10[raw->k]);
  }
  std::sort(mine.begin(), mine.end());
  for (uint64_t s : mine) raw->insert(s);
}

bool Inventory::hold(std::string_view e164, int64_t until_ms) {
  auto key = key_of(e164);
  if (!key) return false;
  std::unique_lock lk(impl_->mu);
  auto [it, fresh] = impl_->holds.try_emplace(*key, until_ms);
  if (!fresh) {
    if (it->second == until_ms) return true;
    it->second = until_ms;
  } else {
    impl_->for_blocks(*key, [](Block& b, uint64_t s) {
      if (b.dfa.valid(s)) b.insert(s);
    });
  }
  if (until_ms != kForever) {
    impl_->expiries.emplace(until_ms, *key);
    if (until_ms < impl_->next_expiry.load(std::memory_order_relaxed))
      impl_->next_expiry.store(until_ms, std::memory_order_release);
  }
  return true;
}

void Inventory::reserve_holds(size_t n) {
  std::unique_lock lk(impl_->mu);
  impl_->holds.reserve(n);
}

void Inventory::unhold(std::string_view e164) {
  auto key = key_of(e164);
  if (!key) return;
  std::unique_lock lk(impl_->mu);
  if (impl_->holds.erase(*key) == 0) return;
  impl_->for_blocks(*key, [](Block& b, uint64_t s) {
    if (b.dfa.valid(s)) b.erase(s);
  });
}

bool Inventory::available(std::string_view e164, std::string_view country, std::string_view type,
                          int64_t now_ms) const {
  auto key = key_of(e164);
  if (!key) return false;
  impl_->expire(now_ms);
  std::shared_lock lk(impl_->mu);
  bool in_stock = false;
  impl_->for_blocks(*key, [&](const Block& b, uint64_t s) {
    if (!in_stock && b.spec.type == type && impl_->serves(b, country) && b.dfa.valid(s)) in_stock = true;
  });
  if (!in_stock) return false;
  auto it = impl_->holds.find(*key);
  return it == impl_->holds.end() || it->second <= now_ms;
}

Inventory::Page Inventory::search(std::string_view country, std::string_view type, std::string_view prefix,
                                  std::string_view after, size_t limit, int64_t now_ms) const {
  Page page;
  if (!impl_->plan.knows_country(country) || !NumberPlan::known_type(type)) return page;
  if (!prefix.empty() &&
      (prefix[0] != '+' || !std::all_of(prefix.begin() + 1, prefix.end(), [](char c) { return c >= '0' && c <= '9'; })))
    return page;
  impl_->expire(now_ms);
  std::shared_lock lk(impl_->mu);
  std::vector<Block*> blocks;
  impl_->serving(country, type, blocks);

  struct Cursor {
    const Block* b;
    uint64_t lo, hi;
    std::string bound;  // the smallest string the block could still produce
  };
  std::vector<Cursor> cursors;
  for (const Block* b : blocks) {
    const std::string& p = b->spec.prefix;
    uint64_t lo = 0, hi = b->dfa.size() - 1;
    if (prefix.size() <= p.size()) {
      if (!std::string_view(p).starts_with(prefix)) continue;
    } else {
      if (!prefix.starts_with(p) || prefix.size() > size_t(b->spec.length)) continue;
      const std::string_view ext = prefix.substr(p.size());
      uint64_t v = 0;
      for (char c : ext) v = v * 10 + uint64_t(c - '0');
      const size_t rest = size_t(b->k) - ext.size();
      lo = v * kPow10[rest];
      hi = (v + 1) * kPow10[rest] - 1;
    }
    if (!after.empty()) {
      auto a = first_after(p, b->k, after);
      if (!a) continue;
      lo = std::max(lo, *a);
    }
    if (lo > hi) continue;
    cursors.push_back({b, lo, hi, b->number(lo)});
  }
  std::sort(cursors.begin(), cursors.end(), [](const Cursor& x, const Cursor& y) { return x.bound < y.bound; });

  // Merge the blocks' ascending streams, activating a block only once the merge reaches its start.
  struct Head {
    std::string number;
    size_t cursor;
    uint64_t s;
    bool operator>(const Head& o) const { return number > o.number; }
  };
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  auto advance = [&](size_t i, uint64_t from) {
    const Cursor& c = cursors[i];
    if (from > c.hi) return;
    if (auto s = c.b->next_free(from, c.hi)) heads.push({c.b->number(*s), i, *s});
  };
  size_t next_cursor = 0;
  while (true) {
    while (next_cursor < cursors.size() && (heads.empty() || cursors[next_cursor].bound <= heads.top().number)) {
      advance(next_cursor, cursors[next_cursor].lo);
      ++next_cursor;
    }
    if (heads.empty()) break;
    Head h = heads.top();
    heads.pop();
    advance(h.cursor, h.s + 1);
    if (!page.numbers.empty() && h.number == page.numbers.back()) continue;  // overlapping blocks
    if (page.numbers.size() >= limit) {
      page.more = true;
      break;
    }
    page.numbers.push_back(std::move(h.number));
  }
  return page;
}

std::optional<BlockInfo> Inventory::block_of(std::string_view e164, std::string_view country) const {
  auto key = key_of(e164);
  if (!key) return std::nullopt;
  std::vector<const Block*> candidates;
  std::string home;
  {
    std::shared_lock lk(impl_->mu);
    impl_->for_blocks(*key, [&](const Block& b, uint64_t s) {
      if (!country.empty() && !impl_->serves(b, country)) return;
      if (b.dfa.valid(s)) candidates.push_back(&b);
    });
    if (candidates.empty()) return std::nullopt;
    const bool one_country = std::all_of(candidates.begin(), candidates.end(), [&](const Block* b) {
      return b->spec.country == candidates.front()->spec.country;
    });
    // The number's libphonenumber region only decides between blocks of different countries; it
    // is costly (regular expressions), so it is asked only then.
    if (country.empty() && !one_country) {
      lk.unlock();
      home = impl_->plan.region_of(e164);
      lk.lock();
      candidates.clear();
      impl_->for_blocks(*key, [&](const Block& b, uint64_t s) {
        if (b.dfa.valid(s)) candidates.push_back(&b);
      });
      if (candidates.empty()) return std::nullopt;
    }
    auto rank = [&](const Block* b) { return !home.empty() && b->spec.country == home ? 0 : 1; };
    const Block* best = *std::min_element(candidates.begin(), candidates.end(), [&](const Block* a, const Block* b) {
      return std::pair(rank(a), a->id) < std::pair(rank(b), b->id);
    });
    return BlockInfo{best->id, best->spec, best->dfa.valid_count()};
  }
}

std::vector<BlockInfo> Inventory::blocks() const {
  std::shared_lock lk(impl_->mu);
  std::vector<BlockInfo> out;
  out.reserve(impl_->blocks.size());
  for (const auto& [id, b] : impl_->blocks) out.push_back({id, b->spec, b->dfa.valid_count()});
  return out;
}

void Inventory::clear() {
  std::unique_lock lk(impl_->mu);
  impl_->blocks.clear();
  impl_->by_class.clear();
  impl_->prefixes.clear();
  impl_->holds.clear();
  impl_->expiries = {};
  impl_->next_expiry.store(kForever);
}

void Inventory::replace_with(Inventory& fresh) {
  if (&fresh == this) return;
  std::scoped_lock lk(impl_->mu, fresh.impl_->mu);
  std::swap(impl_->blocks, fresh.impl_->blocks);
  std::swap(impl_->by_class, fresh.impl_->by_class);
  std::swap(impl_->prefixes, fresh.impl_->prefixes);
  std::swap(impl_->holds, fresh.impl_->holds);
  std::swap(impl_->expiries, fresh.impl_->expiries);
  const int64_t next = impl_->next_expiry.load();
  impl_->next_expiry.store(fresh.impl_->next_expiry.load());
  fresh.impl_->next_expiry.store(next);
}

size_t Inventory::hold_count() const {
  std::shared_lock lk(impl_->mu);
  return impl_->holds.size();
}

size_t Inventory::interval_count(int64_t block_id) const {
  std::shared_lock lk(impl_->mu);
  auto it = impl_->blocks.find(block_id);
  return it == impl_->blocks.end() ? 0 : it->second->held.size();
}

}  // namespace cl::inventory
