#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "inventory/number_plan.hpp"
#include "test_support.hpp"

namespace cl::inventory {
namespace {

namespace pn = i18n::phonenumbers;
using test::pad;
using test::plan;

TEST(NumberPlan, KnowsTheModelCountriesLibphonenumberHas) {
  const auto countries = test::model_countries();
  ASSERT_EQ(countries.size(), 237u);  // the model's enum (model/connect.json), not libphonenumber's data
  // Known exactly when libphonenumber has metadata for the region, whichever release is installed.
  std::set<std::string> supported;
  pn::PhoneNumberUtil::GetInstance()->GetSupportedRegions(&supported);
  size_t unknown = 0;
  for (const auto& c : countries) {
    EXPECT_EQ(plan().knows_country(c), supported.count(c) == 1) << c;
    unknown += !plan().knows_country(c);
  }
  EXPECT_LE(unknown, 10u);                   // nearly every country the model lists has a numbering plan
  EXPECT_FALSE(plan().knows_country("AN"));  // Netherlands Antilles: dissolved, no plan will return
  EXPECT_FALSE(plan().knows_country("ZZ"));
  EXPECT_FALSE(plan().knows_country("001"));
  EXPECT_FALSE(plan().knows_country("*"));
  EXPECT_EQ(plan().calling_code("US"), 1);
  EXPECT_EQ(plan().calling_code("GB"), 44);
  EXPECT_EQ(plan().calling_code("CX"), 61);
  EXPECT_EQ(plan().calling_code("AQ"), std::nullopt);
}

TEST(NumberPlan, UsAndCanada) {
  EXPECT_TRUE(plan().valid("+12065550100", "US", "DID"));
  EXPECT_FALSE(plan().valid("+12065550100", "US", "TOLL_FREE"));
  EXPECT_FALSE(plan().valid("+12061550100", "US", "DID"));  // exchange cannot start with 1
  EXPECT_TRUE(plan().valid("+18005550100", "US", "TOLL_FREE"));
  EXPECT_FALSE(plan().valid("+18005550100", "US", "DID"));
  // NANP toll-free serves every NANP country, although its region-of-number is US.
  EXPECT_EQ(plan().region_of("+18005550100"), "US");
  EXPECT_TRUE(plan().valid("+18005550100", "CA", "TOLL_FREE"));
  EXPECT_TRUE(plan().valid("+18885550100", "JM", "TOLL_FREE"));
  // A Seattle number is not a Canadian DID; a Toronto one is.
  EXPECT_FALSE(plan().valid("+12065550100", "CA", "DID"));
  EXPECT_TRUE(plan().valid("+14165550100", "CA", "DID"));
  EXPECT_FALSE(plan().valid("+14165550100", "US", "DID"));
  // Wrong calling code, malformed input, unknown type.
  EXPECT_FALSE(plan().valid("+442079460000", "US", "DID"));
  EXPECT_FALSE(plan().valid("12065550100", "US", "DID"));
  EXPECT_FALSE(plan().valid("+1206555010a", "US", "DID"));
  EXPECT_FALSE(plan().valid("+120655501000000", "US", "DID"));
  EXPECT_FALSE(plan().valid("+12065550100", "US", "MOBILE"));
  EXPECT_FALSE(plan().valid("+12065550100", "AQ", "DID"));
}

TEST(NumberPlan, GreatBritainSouthAfricaAustralianTerritories) {
  EXPECT_TRUE(plan().valid("+442079460123", "GB", "DID"));
  EXPECT_TRUE(plan().valid("+441614960123", "GB", "DID"));
  EXPECT_TRUE(plan().valid("+447400123456", "GB", "DID"));  // mobile counts as DID
  EXPECT_TRUE(plan().valid("+448081570123", "GB", "TOLL_FREE"));
  EXPECT_FALSE(plan().valid("+448081570123", "GB", "DID"));
  // SHARED: ZA 0860.
  EXPECT_TRUE(plan().valid("+27860123456", "ZA", "SHARED"));
  EXPECT_FALSE(plan().valid("+27860123456", "ZA", "DID"));
  EXPECT_FALSE(plan().valid("+27101234567", "ZA", "SHARED"));
  EXPECT_TRUE(plan().valid("+27101234567", "ZA", "DID"));
  // CX and CC accept AU's toll-free numbers (region-of-number says AU).
  EXPECT_EQ(plan().region_of("+611800123456"), "AU");
  EXPECT_TRUE(plan().valid("+611800123456", "AU", "TOLL_FREE"));
  EXPECT_TRUE(plan().valid("+611800123456", "CX", "TOLL_FREE"));
  EXPECT_TRUE(plan().valid("+611800123456", "CC", "TOLL_FREE"));
}

TEST(NumberPlan, UifnIsValidInEveryKnownCountry) {
  for (const char* c : {"US", "GB", "JP", "ZA", "CX", "*"}) EXPECT_TRUE(plan().valid("+80012345678", c, "UIFN")) << c;
  EXPECT_FALSE(plan().valid("+80012345678", "AQ", "UIFN"));
  EXPECT_FALSE(plan().valid("+8001234567", "US", "UIFN"));    // 7-digit subscriber number
  EXPECT_FALSE(plan().valid("+800123456789", "US", "UIFN"));  // 9 digits
  EXPECT_FALSE(plan().valid("+80812345678", "US", "UIFN"));   // +808 is shared cost, not UIFN
  EXPECT_FALSE(plan().valid("+80012345678", "US", "TOLL_FREE"));
  EXPECT_EQ(plan().type_of("+80012345678", "DE"), "UIFN");
}

TEST(NumberPlan, UnvalidatedTypesAcceptAnyDigitsAfterTheCallingCode) {
  for (const char* t : {"THIRD_PARTY_TF", "THIRD_PARTY_DID", "SHORT_CODE"}) {
    EXPECT_TRUE(plan().valid("+12065550100", "US", t));
    EXPECT_TRUE(plan().valid("+10000000000", "US", t));
    EXPECT_FALSE(plan().valid("+442079460123", "US", t));
    EXPECT_FALSE(plan().valid("+1", "US", t));
  }
}

TEST(NumberPlan, TypeOf) {
  EXPECT_EQ(plan().type_of("+12065550100", "US"), "DID");
  EXPECT_EQ(plan().type_of("+18005550100", "CA"), "TOLL_FREE");
  EXPECT_EQ(plan().type_of("+27860123456", "ZA"), "SHARED");
  EXPECT_EQ(plan().type_of("+19005550100", "US"), "");  // premium rate: no class
  EXPECT_EQ(plan().region_of("+12065550100"), "US");
  EXPECT_EQ(plan().region_of("nonsense"), "");
}

TEST(NumberPlan, CheckBlock) {
  EXPECT_EQ(plan().check_block({"US", "DID", "+1206555", 12}), "");
  EXPECT_EQ(plan().check_block({"US", "DID", "+1206", 12}), "");
  EXPECT_EQ(plan().check_block({"US", "DID", "+1", 12}), "");
  EXPECT_EQ(plan().check_block({"US", "THIRD_PARTY_DID", "+1555", 12}), "");
  EXPECT_EQ(plan().check_block({"*", "UIFN", "+800", 12}), "");
  EXPECT_EQ(plan().check_block({"JP", "UIFN", "+8001", 12}), "");
  EXPECT_NE(plan().check_block({"AQ", "DID", "+672", 10}), "");
  EXPECT_NE(plan().check_block({"US", "MOBILE", "+1206555", 12}), "");
  EXPECT_NE(plan().check_block({"US", "DID", "1206555", 12}), "");
  EXPECT_NE(plan().check_block({"US", "DID", "+1206x55", 12}), "");
  EXPECT_NE(plan().check_block({"US", "DID", "+44207946", 13}), "");  // not US's calling code
  EXPECT_NE(plan().check_block({"US", "DID", "+", 12}), "");
  EXPECT_NE(plan().check_block({"US", "DID", "+1206555", 17}), "");  // longer than E.164
  EXPECT_NE(plan().check_block({"US", "DID", "+1206555", 7}), "");   // shorter than the prefix
  EXPECT_NE(plan().check_block({"US", "DID", "+1800555", 12}), "");  // no DID there
  EXPECT_NE(plan().check_block({"US", "DID", "+1206555", 13}), "");  // no 11-digit US numbers
  EXPECT_NE(plan().check_block({"*", "DID", "+1206555", 12}), "");   // "*" is only for UIFN
  EXPECT_NE(plan().check_block({"US", "UIFN", "+800", 13}), "");     // UIFN has 8 digits after +800
  EXPECT_NE(plan().check_block({"US", "UIFN", "+1800", 12}), "");
  EXPECT_THROW(plan().automaton({"US", "DID", "+44", 12}), std::invalid_argument);
}

double ratio(const BlockSpec& b) {
  auto a = plan().automaton(b);
  return double(a.valid_count()) / double(a.size());
}

TEST(NumberPlan, DefaultInventoryFacts) {
  const auto countries = test::model_countries();
  const auto blocks = plan().default_blocks(countries);
  std::set<std::string> did, tf, shared;
  std::map<std::string, int> did_blocks, tf_blocks;
  int uifn = 0;
  for (const auto& b : blocks) {
    EXPECT_EQ(plan().check_block(b), "") << b.country << " " << b.type << " " << b.prefix;
    if (b.type == "DID")
      did.insert(b.country), ++did_blocks[b.country];
    else if (b.type == "TOLL_FREE")
      tf.insert(b.country), ++tf_blocks[b.country];
    else if (b.type == "SHARED")
      shared.insert(b.country);
    else if (b.type == "UIFN") {
      ++uifn;
      EXPECT_EQ(b, (BlockSpec{"*", "UIFN", "+800", 12}));
    } else
      ADD_FAILURE() << "unexpected default type " << b.type;
  }
  // Which countries get blocks follows libphonenumber's example numbers; assert the rule, not the
  // counts of one metadata release: every block's country is known, and most countries that have
  // examples of a class get a block of it.
  const auto& util = *pn::PhoneNumberUtil::GetInstance();
  auto has_example = [&](const std::string& c, std::initializer_list<pn::PhoneNumberUtil::PhoneNumberType> types) {
    pn::PhoneNumber ex;
    for (auto t : types)
      if (util.GetExampleNumberForType(c, t, &ex)) return true;
    return false;
  };
  size_t with_did_example = 0, with_tf_example = 0, did_covered = 0, tf_covered = 0;
  for (const auto& c : countries) {
    if (!plan().knows_country(c)) {
      EXPECT_EQ(did.count(c) + tf.count(c) + shared.count(c), 0u) << c << " is unknown to libphonenumber";
      continue;
    }
    if (has_example(c, {pn::PhoneNumberUtil::FIXED_LINE, pn::PhoneNumberUtil::MOBILE}))
      ++with_did_example, did_covered += did.count(c);
    if (has_example(c, {pn::PhoneNumberUtil::TOLL_FREE})) ++with_tf_example, tf_covered += tf.count(c);
  }
  for (const auto* set : {&did, &tf, &shared})
    for (const auto& c : *set) EXPECT_TRUE(plan().knows_country(c)) << c;
  EXPECT_GE(with_did_example, countries.size() * 9 / 10);
  EXPECT_GE(did_covered * 100, with_did_example * 95) << did_covered << " of " << with_did_example;
  EXPECT_GE(tf_covered * 100, with_tf_example * 50) << tf_covered << " of " << with_tf_example;
  EXPECT_EQ(shared, std::set<std::string>{"ZA"});
  EXPECT_EQ(uifn, 1);
  EXPECT_GE(did_blocks["US"], 4);
  EXPECT_GE(tf_blocks["US"], 2);
  EXPECT_GE(did_blocks["GB"], 4);
  EXPECT_GE(tf_blocks["GB"], 2);
  EXPECT_EQ(did_blocks["CA"], 1);
  for (const char* c : {"AQ", "AN", "PN"}) EXPECT_EQ(did.count(c), 0u);

  // Example-derived blocks are 10^4 numbers, each with a usable share of numbers valid for its
  // country and class; all but a few small plans are >= 90 % valid.
  size_t low = 0, checked = 0;
  for (const auto& b : blocks) {
    if (b.type == "UIFN") continue;
    EXPECT_EQ(plan().automaton(b).size(), 10000u) << b.prefix;
    double r = ratio(b);
    EXPECT_GE(r, 0.01) << b.country << " " << b.type << " " << b.prefix;
    ++checked;
    low += r < 0.9;
  }
  EXPECT_LE(low * 100, checked * 10) << low << " of " << checked << " default blocks are < 90 % valid";
  // The hand-picked US and GB area codes.
  for (const auto& b : blocks)
    if (b.country == "US" || b.country == "GB") {
      EXPECT_GE(ratio(b), 0.9) << b.prefix;
    }
  EXPECT_GE(ratio({"*", "UIFN", "+800", 12}), 0.5);
}

// SHARED defaults to ZA alone by choice, not for want of data.
TEST(NumberPlan, SharedCostExamplesExistBeyondZa) {
  const auto& util = *pn::PhoneNumberUtil::GetInstance();
  int n = 0;
  for (const auto& c : test::model_countries()) {
    pn::PhoneNumber ex;
    if (plan().knows_country(c) && util.GetExampleNumberForType(c, pn::PhoneNumberUtil::SHARED_COST, &ex)) ++n;
  }
  EXPECT_GT(n, 10);
}

// The automaton's next_valid against a plain scan of valid().
TEST(BlockAutomaton, NextValidMatchesAScan) {
  for (const BlockSpec& b : {BlockSpec{"VU", "TOLL_FREE", "+6788", 9}, BlockSpec{"NU", "DID", "+683", 8},
                             BlockSpec{"US", "DID", "+1206555", 12}, BlockSpec{"FO", "TOLL_FREE", "+29880", 10}}) {
    auto a = plan().automaton(b);
    std::optional<uint64_t> expect;
    uint64_t count = 0;
    for (uint64_t s = a.size(); s-- > 0;) {
      bool v = plan().valid(b.prefix + pad(s, a.digits()), b.country, b.type);
      ASSERT_EQ(a.valid(s), v) << b.prefix << " " << s;
      if (v) expect = s, ++count;
      ASSERT_EQ(a.next_valid(s), expect) << b.prefix << " " << s;
    }
    EXPECT_EQ(count, a.valid_count());
    EXPECT_EQ(a.next_valid(a.size()), std::nullopt);
  }
}

TEST(BlockAutomaton, LargeSparseBlockNeverScans) {
  // All of Great Britain's 10-digit national numbers for DID: 10^10 candidates, one automaton.
  auto a = plan().automaton({"GB", "DID", "+44", 13});
  EXPECT_EQ(a.size(), 10000000000ull);
  EXPECT_GT(a.valid_count(), 100000000ull);
  std::mt19937_64 rng(7);
  int found = 0;
  for (int i = 0; i < 2000; ++i) {
    uint64_t s = rng() % a.size();
    auto v = a.next_valid(s);
    if (!v) {  // past the last valid number (9xx… is premium rate)
      for (uint64_t x = s; x < s + 50 && x < a.size(); ++x) ASSERT_FALSE(a.valid(x)) << x;
      continue;
    }
    ++found;
    ASSERT_GE(*v, s);
    EXPECT_TRUE(plan().valid("+44" + pad(*v, 10), "GB", "DID"));
    // Nothing valid is skipped: check the stretch before it (bounded).
    for (uint64_t x = s; x < *v && x < s + 50; ++x) ASSERT_FALSE(a.valid(x)) << x;
  }
  EXPECT_GT(found, 1000);
  auto any = BlockAutomaton::any_digits(3);
  EXPECT_EQ(any.valid_count(), 1000u);
  EXPECT_EQ(any.next_valid(417), 417u);
  EXPECT_EQ(any.next_valid(1000), std::nullopt);
}

bool lib_in_class(pn::PhoneNumberUtil::PhoneNumberType t, const std::string& type) {
  using T = pn::PhoneNumberUtil;
  if (type == "DID") return t == T::FIXED_LINE || t == T::MOBILE || t == T::FIXED_LINE_OR_MOBILE || t == T::VOIP;
  if (type == "TOLL_FREE" || type == "UIFN") return t == T::TOLL_FREE;
  if (type == "SHARED") return t == T::SHARED_COST;
  return false;
}

// The number plan against libphonenumber itself: around every region's example numbers of every
// type, plus samples of every default block. valid() must imply IsValidNumberForRegion, and where
// the region is the number's own, agree exactly with GetNumberType's class.
TEST(NumberPlan, AgreesWithLibphonenumber) {
  const auto& util = *pn::PhoneNumberUtil::GetInstance();
  std::vector<std::pair<std::string, std::string>> cases;  // (e164, region)
  using T = pn::PhoneNumberUtil;
  std::set<std::string> regions;
  util.GetSupportedRegions(&regions);
  std::mt19937_64 rng(1);
  for (const auto& r : regions) {
    for (auto t : {T::FIXED_LINE, T::MOBILE, T::TOLL_FREE, T::PREMIUM_RATE, T::SHARED_COST, T::VOIP, T::PERSONAL_NUMBER,
                   T::PAGER, T::UAN, T::VOICEMAIL}) {
      pn::PhoneNumber ex;
      if (!util.GetExampleNumberForType(r, t, &ex)) continue;
      std::string e;
      util.Format(ex, T::E164, &e);
      const size_t first = 1 + std::to_string(ex.country_code()).size();  // vary the national number only
      for (int i = 0; i < 8; ++i) {
        std::string v = e;
        for (int j = 0; j < 2 + (i & 3); ++j) {
          size_t at = v.size() - 1 - rng() % 5;
          if (at >= first) v[at] = char('0' + rng() % 10);
        }
        cases.emplace_back(v, r);
      }
    }
  }
  for (const auto& b : plan().default_blocks(test::model_countries())) {
    auto a = plan().automaton(b);
    for (int i = 0; i < 20; ++i)
      cases.emplace_back(b.prefix + pad(rng() % a.size(), a.digits()), b.country == "*" ? "001" : b.country);
  }
  size_t own = 0;
  for (const auto& [e, region] : cases) {
    pn::PhoneNumber n;
    ASSERT_EQ(util.Parse(e, "ZZ", &n), T::NO_PARSING_ERROR) << e;
    const bool lib_valid = util.IsValidNumberForRegion(n, region);
    std::string ron;
    util.GetRegionCodeForNumber(n, &ron);
    const auto lib_type = util.GetNumberType(n);
    for (const std::string type : {"DID", "TOLL_FREE", "SHARED", "UIFN"}) {
      const bool mine = plan().valid(e, region == "001" ? "US" : region, type);
      if (type == "UIFN") {
        EXPECT_EQ(mine, n.country_code() == 800 && util.IsValidNumberForRegion(n, "001") && lib_type == T::TOLL_FREE &&
                            e.size() == 12)
            << e;
        continue;
      }
      if (region == "001") continue;
      if (mine) {
        EXPECT_TRUE(lib_valid) << e << " " << region << " " << type;
      }
      if (ron == region) {
        ++own;
        EXPECT_EQ(mine, lib_valid && lib_in_class(lib_type, type)) << e << " " << region << " " << type;
      }
    }
  }
  EXPECT_GT(own, 20000u);
}

}  // namespace
}  // namespace cl::inventory
