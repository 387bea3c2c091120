#include "inventory/digit_nfa.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cl::inventory::detail {

struct DigitNfa::Ast {
  enum Kind { Set, Cat, Alt, Rep } kind = Cat;
  uint16_t mask = 0;     // Set
  int min = 0, max = 0;  // Rep; max < 0: unbounded
  std::vector<Ast> kids;
};

namespace {

constexpr uint16_t kAllDigits = 0x3FF;

class Parser {
 public:
  using Ast = DigitNfa::Ast;
  explicit Parser(std::string_view p) : p_(p) {}

  Ast parse() {
    Ast a = alt();
    if (i_ != p_.size()) fail("unexpected ')'");
    return a;
  }

 private:
  [[noreturn]] void fail(const char* why) const {
    throw std::invalid_argument(std::string("unsupported number pattern (") + why + ") at " + std::to_string(i_) +
                                ": " + std::string(p_));
  }
  bool eof() const { return i_ >= p_.size(); }
  char peek() const { return eof() ? '\0' : p_[i_]; }
  bool digit(char c) const { return c >= '0' && c <= '9'; }

  Ast alt() {
    Ast first = cat();
    if (peek() != '|') return first;
    Ast a;
    a.kind = Ast::Alt;
    a.kids.push_back(std::move(first));
    while (peek() == '|') {
      ++i_;
      a.kids.push_back(cat());
    }
    return a;
  }

  Ast cat() {
    Ast a;
    a.kind = Ast::Cat;
    while (!eof() && peek() != '|' && peek() != ')') a.kids.push_back(repeat());
    if (a.kids.size() == 1) return std::move(a.kids[0]);
    return a;
  }

  int number() {
    if (!digit(peek())) fail("number expected");
    int n = 0;
    while (digit(peek())) {
      n = n * 10 + (p_[i_++] - '0');
      if (n > 1000) fail("repeat count too large");
    }
    return n;
  }

  Ast repeat() {
    Ast a = atom();
    for (;;) {
      int lo, hi;
      char c = peek();
      if (c == '?') {
        lo = 0;
        hi = 1;
        ++i_;
      } else if (c == '*') {
        lo = 0;
        hi = -1;
        ++i_;
      } else if (c == '+') {
        lo = 1;
        hi = -1;
        ++i_;
      } else if (c == '{') {
        ++i_;
        lo = number();
        hi = lo;
        if (peek() == ',') {
          ++i_;
          hi = peek() == '}' ? -1 : number();
        }
        if (peek() != '}') fail("'}' expected");
        ++i_;
        if (hi >= 0 && hi < lo) fail("bad repeat range");
      } else {
        return a;
      }
      Ast r;
      r.kind = Ast::Rep;
      r.min = lo;
      r.max = hi;
      r.kids.push_back(std::move(a));
      a = std::move(r);
    }
  }

  Ast atom() {
    char c = peek();
    Ast a;
    a.kind = Ast::Set;
    if (c == '(') {
      ++i_;
      if (p_.substr(i_, 2) == "?:")
        i_ += 2;
      else if (peek() == '?')
        fail("unsupported group");
      Ast inner = alt();
      if (peek() != ')') fail("')' expected");
      ++i_;
      return inner;
    }
    if (c == '[') {
      ++i_;
      bool negate = peek() == '^';
      if (negate) ++i_;
      uint16_t mask = 0;
      while (!eof() && peek() != ']') {
        if (peek() == '\\') {
          ++i_;
          if (peek() != 'd') fail("escape");
          ++i_;
          mask |= kAllDigits;
          continue;
        }
        char lo = p_[i_++];
        if (!digit(lo)) fail("non-digit in class");
        char hi = lo;
        if (peek() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
          ++i_;
          hi = p_[i_++];
          if (!digit(hi) || hi < lo) fail("bad range");
        }
        for (char d = lo; d <= hi; ++d) mask |= uint16_t(1u << (d - '0'));
      }
      if (peek() != ']') fail("']' expected");
      ++i_;
      a.mask = negate ? uint16_t(~mask & kAllDigits) : mask;
      return a;
    }
    if (c == '\\') {
      ++i_;
      if (peek() != 'd') fail("escape");
      ++i_;
      a.mask = kAllDigits;
      return a;
    }
    if (digit(c)) {
      ++i_;
      a.mask = uint16_t(1u << (c - '0'));
      return a;
    }
    fail("unexpected character");
  }

  std::string_view p_;
  size_t i_ = 0;
};

}  // namespace

int32_t DigitNfa::node() {
  nodes_.emplace_back();
  return int32_t(nodes_.size() - 1);
}

void DigitNfa::eps(int32_t from, int32_t to) { nodes_[size_t(from)].eps.push_back(to); }

DigitNfa::Frag DigitNfa::build(const Ast& a) {
  switch (a.kind) {
    case Ast::Set: {
      int32_t in = node(), out = node();
      nodes_[size_t(in)].mask = a.mask;
      nodes_[size_t(in)].out = out;
      return {in, out};
    }
    case Ast::Cat: {
      int32_t in = node(), cur = in;
      for (const Ast& k : a.kids) {
        Frag f = build(k);
        eps(cur, f.in);
        cur = f.out;
      }
      return {in, cur};
    }
    case Ast::Alt: {
      int32_t in = node(), out = node();
      for (const Ast& k : a.kids) {
        Frag f = build(k);
        eps(in, f.in);
        eps(f.out, out);
      }
      return {in, out};
    }
    case Ast::Rep: {
      int32_t in = node(), cur = in;
      for (int i = 0; i < a.min; ++i) {
        Frag f = build(a.kids[0]);
        eps(cur, f.in);
        cur = f.out;
      }
      if (a.max < 0) {
        Frag f = build(a.kids[0]);
        int32_t loop = node();
        eps(cur, loop);
        eps(loop, f.in);
        eps(f.out, loop);
        return {in, loop};
      }
      int32_t out = node();
      for (int i = a.min; i < a.max; ++i) {
        Frag f = build(a.kids[0]);
        eps(cur, out);
        eps(cur, f.in);
        cur = f.out;
      }
      eps(cur, out);
      return {in, out};
    }
  }
  throw std::logic_error("bad ast");
}

void DigitNfa::add(std::string_view pattern, int tag) {
  if (tag < 0 || tag > 31) throw std::invalid_argument("tag out of range");
  if (!follow_off_.empty()) throw std::logic_error("DigitNfa::add after finish");
  Ast a = Parser(pattern).parse();
  Frag f = build(a);
  int32_t acc = node();
  nodes_[size_t(acc)].tag = tag;
  eps(f.out, acc);
  starts_.push_back(f.in);
}

void DigitNfa::closure(int32_t n, std::vector<int32_t>& into, std::vector<uint32_t>& seen, uint32_t stamp) const {
  // Iterative DFS along epsilon edges; keeps only states that consume a digit or accept.
  std::vector<int32_t> stack{n};
  while (!stack.empty()) {
    int32_t x = stack.back();
    stack.pop_back();
    if (seen[size_t(x)] == stamp) continue;
    seen[size_t(x)] = stamp;
    const Node& nd = nodes_[size_t(x)];
    if (nd.mask != 0 || nd.tag >= 0) into.push_back(x);
    for (int32_t e : nd.eps) stack.push_back(e);
  }
}

void DigitNfa::finish() {
  std::vector<uint32_t> seen(nodes_.size(), 0);
  uint32_t stamp = 0;
  start_.clear();
  ++stamp;
  for (int32_t s : starts_) closure(s, start_, seen, stamp);
  std::sort(start_.begin(), start_.end());
  follow_off_.assign(nodes_.size() + 1, 0);
  follow_.clear();
  std::vector<int32_t> tmp;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    follow_off_[n] = uint32_t(follow_.size());
    if (nodes_[n].mask == 0) continue;
    tmp.clear();
    closure(nodes_[n].out, tmp, seen, ++stamp);
    std::sort(tmp.begin(), tmp.end());
    follow_.insert(follow_.end(), tmp.begin(), tmp.end());
  }
  follow_off_[nodes_.size()] = uint32_t(follow_.size());
  // Epsilon edges are no longer needed.
  for (Node& nd : nodes_) std::vector<int32_t>().swap(nd.eps);
}

DigitNfa::StateSet DigitNfa::step(const StateSet& s, int digit) const {
  StateSet r;
  const uint16_t bit = uint16_t(1u << digit);
  bool single = true;
  for (int32_t n : s) {
    const Node& nd = nodes_[size_t(n)];
    if (!(nd.mask & bit)) continue;
    if (!r.empty()) single = false;
    r.insert(r.end(), follow_.begin() + follow_off_[size_t(n)], follow_.begin() + follow_off_[size_t(n) + 1]);
  }
  if (!single) {
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
  }
  return r;
}

uint32_t DigitNfa::accepted(const StateSet& s) const {
  uint32_t m = 0;
  for (int32_t n : s)
    if (nodes_[size_t(n)].tag >= 0) m |= 1u << nodes_[size_t(n)].tag;
  return m;
}

uint32_t DigitNfa::match(std::string_view digits) const {
  StateSet s = start_;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    s = step(s, c - '0');
    if (s.empty()) return 0;
  }
  return accepted(s);
}

}  // namespace cl::inventory::detail
