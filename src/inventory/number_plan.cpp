#include "inventory/number_plan.hpp"
#include "inventory/pow10.hpp"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <unordered_map>

// Exported by libphonenumber (metadata.h is not installed): the serialized PhoneMetadataCollection.
namespace i18n::phonenumbers {
const void* metadata_get();
int metadata_size();
}  // namespace i18n::phonenumbers

namespace cl::inventory {

namespace pn = i18n::phonenumbers;

namespace {

// NFA component tags, in the order libphonenumber's GetNumberTypeHelper consults them.
enum Component : int {
  kGeneral,
  kPremium,
  kTollFree,
  kShared,
  kVoip,
  kPersonal,
  kPager,
  kUan,
  kVoicemail,
  kFixed,
  kMobile,
  kComponents
};

enum class NsnType {
  Unknown,
  FixedLine,
  Mobile,
  FixedLineOrMobile,
  TollFree,
  Premium,
  Shared,
  Voip,
  Personal,
  Pager,
  Uan,
  Voicemail
};

// The validation class of a PhoneNumberType.
enum class Class { Did, TollFree, Shared, Uifn, Any, Unknown };

Class class_of(std::string_view type) {
  if (type == "DID") return Class::Did;
  if (type == "TOLL_FREE") return Class::TollFree;
  if (type == "SHARED") return Class::Shared;
  if (type == "UIFN") return Class::Uifn;
  if (type == "THIRD_PARTY_TF" || type == "THIRD_PARTY_DID" || type == "SHORT_CODE") return Class::Any;
  return Class::Unknown;
}

bool in_class(NsnType t, Class c) {
  switch (c) {
    case Class::Did:
      return t == NsnType::FixedLine || t == NsnType::FixedLineOrMobile || t == NsnType::Mobile || t == NsnType::Voip;
    case Class::TollFree:
    case Class::Uifn: return t == NsnType::TollFree;
    case Class::Shared: return t == NsnType::Shared;
    case Class::Any: return true;
    case Class::Unknown: return false;
  }
  return false;
}

constexpr size_t kUifnSubscriberDigits = 8;
constexpr int kUifnCallingCode = 800;
constexpr int kMaxE164 = 16;  // '+' and 15 digits

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// '+' then 1..15 digits.
bool well_formed(std::string_view e164) {
  return e164.size() >= 2 && e164.size() <= size_t(kMaxE164) && e164[0] == '+' && all_digits(e164.substr(1));
}

struct Region {
  std::string id;
  int calling_code = 0;
  std::string cc_prefix;  // "+1"
  bool same_mobile_and_fixed = false;
  uint32_t present = 0;                         // bit c: component c has a pattern
  std::array<uint32_t, kComponents> lengths{};  // bit n: NSN length n possible; 0 = not restricted
  detail::DigitNfa nfa;

  bool matches(uint32_t mask, Component c, size_t len) const {
    if (!((mask >> c) & 1u)) return false;
    return lengths[size_t(c)] == 0 || (len < 32 && ((lengths[size_t(c)] >> len) & 1u));
  }

  // Mirrors PhoneNumberUtil::GetNumberTypeHelper on this region's own metadata.
  NsnType type(uint32_t mask, size_t len) const {
    if (!matches(mask, kGeneral, len)) return NsnType::Unknown;
    if (matches(mask, kPremium, len)) return NsnType::Premium;
    if (matches(mask, kTollFree, len)) return NsnType::TollFree;
    if (matches(mask, kShared, len)) return NsnType::Shared;
    if (matches(mask, kVoip, len)) return NsnType::Voip;
    if (matches(mask, kPersonal, len)) return NsnType::Personal;
    if (matches(mask, kPager, len)) return NsnType::Pager;
    if (matches(mask, kUan, len)) return NsnType::Uan;
    if (matches(mask, kVoicemail, len)) return NsnType::Voicemail;
    if (matches(mask, kFixed, len)) {
      if (same_mobile_and_fixed || matches(mask, kMobile, len)) return NsnType::FixedLineOrMobile;
      return NsnType::FixedLine;
    }
    if (!same_mobile_and_fixed && matches(mask, kMobile, len)) return NsnType::Mobile;
    return NsnType::Unknown;
  }

  NsnType type_of_nsn(std::string_view nsn) const { return type(nfa.match(nsn), nsn.size()); }
};

std::unique_ptr<Region> load_region(const pn::PhoneMetadata& m) {
  auto r = std::make_unique<Region>();
  r->id = m.id();
  r->calling_code = m.country_code();
  r->cc_prefix = "+" + std::to_string(m.country_code());
  r->same_mobile_and_fixed = m.same_mobile_and_fixed_line_pattern();
  const pn::PhoneNumberDesc* descs[kComponents] = {
      &m.general_desc(), &m.premium_rate(), &m.toll_free(), &m.shared_cost(), &m.voip(),  &m.personal_number(),
      &m.pager(),        &m.uan(),          &m.voicemail(), &m.fixed_line(),  &m.mobile()};
  for (int c = 0; c < kComponents; ++c) {
    const pn::PhoneNumberDesc& d = *descs[c];
    // An empty pattern never matches (RegexBasedMatcher::MatchNationalNumber); possible length -1
    // marks a type the region does not have.
    if (d.national_number_pattern().empty()) continue;
    bool none = false;
    uint32_t lengths = 0;
    for (int len : d.possible_length()) {
      if (len < 0)
        none = true;
      else if (len < 32)
        lengths |= 1u << len;
    }
    if (none) continue;
    r->lengths[size_t(c)] = lengths;
    r->present |= 1u << c;
    r->nfa.add(d.national_number_pattern(), c);
  }
  r->nfa.finish();
  return r;
}

std::string e164_of(const pn::PhoneNumber& n) {
  std::string out;
  pn::PhoneNumberUtil::GetInstance()->Format(n, pn::PhoneNumberUtil::E164, &out);
  return out;
}

}  // namespace

struct NumberPlan::Impl {
  std::unordered_map<std::string, std::unique_ptr<Region>> regions;  // geographic, by ISO code
  std::unique_ptr<Region> uifn;                                      // "001" / 800

  const Region* region(std::string_view iso) const {
    if (iso.size() != 2) return nullptr;
    auto it = regions.find(std::string(iso));
    return it == regions.end() ? nullptr : it->second.get();
  }
};

NumberPlan::NumberPlan() : impl_(std::make_unique<Impl>()) {
  pn::PhoneMetadataCollection collection;
  if (!collection.ParseFromArray(pn::metadata_get(), pn::metadata_size()))
    throw std::runtime_error("libphonenumber metadata does not parse");
  for (const pn::PhoneMetadata& m : collection.metadata()) {
    if (m.id() == "001") {
      if (m.country_code() == kUifnCallingCode) impl_->uifn = load_region(m);
      continue;
    }
    impl_->regions.emplace(m.id(), load_region(m));
  }
  if (!impl_->uifn) throw std::runtime_error("libphonenumber metadata lacks +800");
}

NumberPlan::~NumberPlan() = default;

bool NumberPlan::knows_country(std::string_view iso) const { return impl_->region(iso) != nullptr; }

bool NumberPlan::known_type(std::string_view type) { return class_of(type) != Class::Unknown; }

std::optional<int> NumberPlan::calling_code(std::string_view iso) const {
  const Region* r = impl_->region(iso);
  if (!r) return std::nullopt;
  return r->calling_code;
}

bool NumberPlan::valid(std::string_view e164, std::string_view country, std::string_view type) const {
  const Class cls = class_of(type);
  if (cls == Class::Unknown || !well_formed(e164)) return false;
  if (cls == Class::Uifn) {
    if (country != kEveryCountry && !knows_country(country)) return false;
    const Region& u = *impl_->uifn;
    if (!e164.starts_with(u.cc_prefix)) return false;
    std::string_view nsn = e164.substr(u.cc_prefix.size());
    return nsn.size() == kUifnSubscriberDigits && in_class(u.type_of_nsn(nsn), cls);
  }
  const Region* r = impl_->region(country);
  if (!r || !e164.starts_with(r->cc_prefix)) return false;
  std::string_view nsn = e164.substr(r->cc_prefix.size());
  if (nsn.empty()) return false;
  if (cls == Class::Any) return true;
  return in_class(r->type_of_nsn(nsn), cls);
}

std::string NumberPlan::type_of(std::string_view e164, std::string_view country) const {
  for (const char* t : {"DID", "TOLL_FREE", "SHARED", "UIFN"})
    if (valid(e164, country, t)) return t;
  return "";
}

std::string NumberPlan::region_of(std::string_view e164) const {
  if (!well_formed(e164)) return "";
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  pn::PhoneNumber n;
  if (util.Parse(std::string(e164), "ZZ", &n) != pn::PhoneNumberUtil::NO_PARSING_ERROR) return "";
  std::string region;
  util.GetRegionCodeForNumber(n, &region);
  return region == "ZZ" ? "" : region;
}

BlockAutomaton NumberPlan::automaton(const BlockSpec& b) const {
  const Class cls = class_of(b.type);
  if (cls == Class::Unknown) throw std::invalid_argument("unknown phone number type " + b.type);
  const Region* r = nullptr;
  if (cls == Class::Uifn) {
    if (b.country != kEveryCountry && !knows_country(b.country))
      throw std::invalid_argument("unknown country " + b.country);
    r = impl_->uifn.get();
  } else {
    r = impl_->region(b.country);
    if (!r) throw std::invalid_argument("unknown country " + b.country);
  }
  if (b.prefix.empty() || b.prefix[0] != '+' || !all_digits(std::string_view(b.prefix).substr(1)))
    throw std::invalid_argument("prefix must be '+' followed by digits");
  if (b.length > kMaxE164) throw std::invalid_argument("length exceeds 16 characters (E.164 has at most 15 digits)");
  if (b.length < int(b.prefix.size())) throw std::invalid_argument("length is shorter than the prefix");
  if (!b.prefix.starts_with(r->cc_prefix))
    throw std::invalid_argument("prefix must start with the calling code " + r->cc_prefix);
  const int digits = b.length - int(b.prefix.size());
  if (cls == Class::Any) {
    if (b.length <= int(r->cc_prefix.size())) throw std::invalid_argument("length leaves no national number");
    return BlockAutomaton::any_digits(digits);
  }
  const size_t nsn_len = size_t(b.length) - r->cc_prefix.size();
  detail::DigitNfa::StateSet s = r->nfa.start();
  for (char c : std::string_view(b.prefix).substr(r->cc_prefix.size())) {
    if (s.empty()) break;
    s = r->nfa.step(s, c - '0');
  }
  auto accept = [r, cls, nsn_len](uint32_t mask) {
    if (cls == Class::Uifn && nsn_len != kUifnSubscriberDigits) return false;
    return in_class(r->type(mask, nsn_len), cls);
  };
  try {
    return BlockAutomaton::build(r->nfa, s, digits, accept);
  } catch (const std::length_error& e) {
    throw std::invalid_argument(std::string(e.what()) + "; use a longer prefix");
  }
}

std::string NumberPlan::check_block(const BlockSpec& b) const {
  try {
    BlockAutomaton a = automaton(b);
    if (a.valid_count() == 0)
      return "block " + b.prefix + " length " + std::to_string(b.length) + " contains no valid " + b.type +
             " number for " + b.country;
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

namespace {

// Extra area codes for the countries clients test with most. Each is at least 90 % valid
// (asserted in tests/inventory).
struct Extra {
  const char* country;
  const char* type;
  const char* prefix;
  int length;
};
constexpr Extra kExtras[] = {
    {"US", "DID", "+1206555", 12},
    {"US", "DID", "+1212555", 12},
    {"US", "DID", "+1415555", 12},
    {"US", "DID", "+1312555", 12},
    {"US", "DID", "+1213555", 12},
    {"US", "DID", "+1617555", 12},
    {"US", "DID", "+1202555", 12},
    {"US", "DID", "+1305555", 12},
    {"US", "TOLL_FREE", "+1800555", 12},
    {"US", "TOLL_FREE", "+1888555", 12},
    {"US", "TOLL_FREE", "+1877555", 12},
    {"US", "TOLL_FREE", "+1866555", 12},
    // Ofcom's drama ranges.
    {"GB", "DID", "+44207946", 13},
    {"GB", "DID", "+44161496", 13},
    {"GB", "DID", "+44113496", 13},
    {"GB", "DID", "+44117496", 13},
    {"GB", "DID", "+44131496", 13},
    {"GB", "DID", "+44121496", 13},
    {"GB", "TOLL_FREE", "+44808157", 13},
    {"GB", "TOLL_FREE", "+44800000", 13},
};

std::optional<BlockSpec> example_block(const std::string& iso, const char* type,
                                       std::initializer_list<pn::PhoneNumberUtil::PhoneNumberType> kinds) {
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  for (auto kind : kinds) {
    pn::PhoneNumber n;
    if (!util.GetExampleNumberForType(iso, kind, &n)) continue;
    std::string e = e164_of(n);
    if (e.size() < 6) continue;
    return BlockSpec{iso, type, e.substr(0, e.size() - 4), int(e.size())};
  }
  return std::nullopt;
}

}  // namespace

bool NumberPlan::ranges_overlap(const BlockSpec& a, const BlockSpec& b) {
  if (a.length != b.length) return false;
  return a.prefix.size() <= b.prefix.size() ? b.prefix.starts_with(a.prefix) : a.prefix.starts_with(b.prefix);
}

bool NumberPlan::blocks_overlap(const BlockSpec& a, const BlockSpec& b) const {
  if (!ranges_overlap(a, b)) return false;
  // Both automata over the longer prefix: the range the blocks share.
  const std::string& common = a.prefix.size() >= b.prefix.size() ? a.prefix : b.prefix;
  const BlockAutomaton x = automaton({a.country, a.type, common, a.length});
  const BlockAutomaton y = automaton({b.country, b.type, common, b.length});
  // Leapfrog: each step skips to the other set's next valid number. Valid sets of number plans
  // interleave at the granularity of their patterns' prefixes, so this ends in a few steps.
  constexpr int kMaxSteps = 1 << 16;
  uint64_t from = 0;
  for (int i = 0; i < kMaxSteps; ++i) {
    auto u = x.next_valid(from);
    if (!u) return false;
    auto v = y.next_valid(*u);
    if (!v) return false;
    if (*v == *u) return true;
    from = *v;
  }
  return true;
}

std::vector<BlockSpec> NumberPlan::default_blocks(const std::vector<std::string>& countries) const {
  using T = pn::PhoneNumberUtil;
  std::vector<BlockSpec> wanted;
  auto push = [&](BlockSpec b) {
    if (std::find(wanted.begin(), wanted.end(), b) == wanted.end()) wanted.push_back(std::move(b));
  };
  for (const std::string& iso : countries) {
    if (!knows_country(iso)) continue;
    if (auto b = example_block(iso, "DID", {T::FIXED_LINE, T::MOBILE})) push(*b);
    for (const Extra& x : kExtras)
      if (iso == x.country && std::string_view(x.type) == "DID") push({iso, x.type, x.prefix, x.length});
    if (auto b = example_block(iso, "TOLL_FREE", {T::TOLL_FREE})) push(*b);
    for (const Extra& x : kExtras)
      if (iso == x.country && std::string_view(x.type) == "TOLL_FREE") push({iso, x.type, x.prefix, x.length});
    if (iso == "ZA")
      if (auto b = example_block(iso, "SHARED", {T::SHARED_COST})) push(*b);
  }
  if (!countries.empty()) push({std::string(kEveryCountry), "UIFN", "+800", int(1 + 3 + kUifnSubscriberDigits)});

  // Owners first: of blocks that share a range, one whose first valid number libphonenumber
  // places in the block's own country keeps it; the others yield (stable order otherwise).
  auto contested = [&](size_t i) {
    for (size_t j = 0; j < wanted.size(); ++j)
      if (j != i && ranges_overlap(wanted[i], wanted[j])) return true;
    return false;
  };
  std::vector<std::pair<bool, size_t>> order;
  for (size_t i = 0; i < wanted.size(); ++i) {
    const BlockSpec& b = wanted[i];
    bool owner = b.country == kEveryCountry || !contested(i);
    if (!owner) {
      const BlockAutomaton a = automaton(b);
      if (auto first = a.next_valid(0)) {
        std::string digits = std::to_string(*first);
        owner = region_of(b.prefix + std::string(size_t(a.digits()) - digits.size(), '0') + digits) == b.country;
      }
    }
    order.emplace_back(!owner, i);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first < y.first; });

  std::vector<BlockSpec> taken;
  std::vector<std::optional<BlockSpec>> placed(wanted.size());
  auto free_range = [&](const BlockSpec& b) {
    return std::none_of(taken.begin(), taken.end(), [&](const BlockSpec& o) { return ranges_overlap(o, b); });
  };
  for (const auto& [yields, i] : order) {
    const BlockSpec& b = wanted[i];
    if (free_range(b)) {
      taken.push_back(b);
      placed[i] = b;
      continue;
    }
    // The nearest free range of the same plan: vary the prefix's last 1, then 2, then 3 national
    // digits upwards from the example's (wrapping), keeping at least 90 % of its valid numbers.
    const uint64_t wanted_valid = automaton(b).valid_count();
    const size_t national = b.prefix.size() - impl_->region(b.country)->cc_prefix.size();
    std::optional<BlockSpec> moved;
    for (size_t j = 1; j <= std::min<size_t>(3, national) && !moved; ++j) {
      const size_t at = b.prefix.size() - j;
      const uint64_t span = kPow10[j];
      const uint64_t orig = std::stoull(b.prefix.substr(at));
      for (uint64_t step = 1; step < span && !moved; ++step) {
        std::string digits = std::to_string((orig + step) % span);
        BlockSpec c = b;
        c.prefix = b.prefix.substr(0, at) + std::string(j - digits.size(), '0') + digits;
        if (!free_range(c)) continue;
        if (automaton(c).valid_count() * 10 >= wanted_valid * 9) moved = std::move(c);
      }
    }
    if (moved) {  // else: no room nearby; the country goes without this block
      taken.push_back(*moved);
      placed[i] = std::move(moved);
    }
  }
  std::vector<BlockSpec> out;  // in the order wanted: block ids follow the country list
  for (auto& p : placed)
    if (p) out.push_back(std::move(*p));
  return out;
}

}  // namespace cl::inventory
