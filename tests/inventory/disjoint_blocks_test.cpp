// A number belongs to exactly one (country, type): the default blocks never share a number, every
// number a search offers is reported under the block that offered it, and the overlap test used to
// refuse admin blocks is exact. Properties only: no counts of libphonenumber's data are pinned.
#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "inventory/inventory.hpp"
#include "inventory/number_plan.hpp"
#include "test_support.hpp"

namespace cl::inventory {
namespace {

namespace pn = i18n::phonenumbers;
using test::pad;
using test::plan;

std::string name(const BlockSpec& b) {
  return b.country + " " + b.type + " " + b.prefix + "/" + std::to_string(b.length);
}

const std::vector<BlockSpec>& defaults() {
  static const std::vector<BlockSpec> blocks = plan().default_blocks(test::model_countries());
  return blocks;
}

// Brute force over prefixes: two blocks of the same length share a number string exactly when one
// prefix is a prefix of the other, so look every leading part of every prefix up among all prefixes.
TEST(DisjointBlocks, NoTwoDefaultBlocksShareARange) {
  std::map<std::pair<int, std::string>, std::vector<std::string>> by_prefix;
  for (const auto& b : defaults()) by_prefix[{b.length, b.prefix}].push_back(name(b));
  for (const auto& [key, names] : by_prefix) EXPECT_EQ(names.size(), 1u) << names.front() << " and " << names.back();
  for (const auto& b : defaults())
    for (size_t k = 2; k < b.prefix.size(); ++k) {
      auto it = by_prefix.find({b.length, b.prefix.substr(0, k)});
      if (it != by_prefix.end()) ADD_FAILURE() << name(b) << " lies inside " << it->second.front();
    }
  // The predicate the admin API uses agrees.
  for (size_t i = 0; i < defaults().size(); ++i)
    for (size_t j = 0; j < i; ++j)
      ASSERT_FALSE(NumberPlan::ranges_overlap(defaults()[i], defaults()[j]))
          << name(defaults()[i]) << " " << name(defaults()[j]);
}

// What made numbers report the wrong country: before, CA's toll-free block was AS's (and a dozen
// other NANP countries'), CX's and CC's were one range, and so on. Each now has its own.
TEST(DisjointBlocks, CountriesSharingAPlanHaveTheirOwnBlocks) {
  std::map<std::string, std::set<std::string>> countries_of;  // type|prefix -> countries
  for (const auto& b : defaults()) countries_of[b.type + "|" + b.prefix].insert(b.country);
  for (const char* iso : {"CA", "PR", "AS", "VG", "CX", "CC", "AU", "GG", "GB", "KZ", "RU", "VA", "IT", "MF", "US"}) {
    int tf = 0;
    for (const auto& b : defaults())
      if (b.country == iso && b.type == "TOLL_FREE") {
        ++tf;
        EXPECT_EQ(countries_of[b.type + "|" + b.prefix], std::set<std::string>{iso}) << name(b);
      }
    EXPECT_GE(tf, 1) << iso;
  }
}

// Every country keeps the stock libphonenumber's examples give it: a DID block for every known
// country, a TOLL_FREE (and for ZA a SHARED) block wherever an example exists, and a block that had
// to move is about as valid as the example's own range.
TEST(DisjointBlocks, EveryCountryKeepsItsStock) {
  using T = pn::PhoneNumberUtil;
  const auto& util = *T::GetInstance();
  std::map<std::pair<std::string, std::string>, std::vector<BlockSpec>> of;
  for (const auto& b : defaults()) of[{b.country, b.type}].push_back(b);
  for (const auto& iso : test::model_countries()) {
    if (!plan().knows_country(iso)) continue;
    const std::pair<const char*, std::vector<T::PhoneNumberType>> kinds[] = {{"DID", {T::FIXED_LINE, T::MOBILE}},
                                                                             {"TOLL_FREE", {T::TOLL_FREE}}};
    for (const auto& [type, lib_types] : kinds) {
      std::optional<BlockSpec> example;
      for (auto t : lib_types) {
        pn::PhoneNumber n;
        if (!util.GetExampleNumberForType(iso, t, &n)) continue;
        std::string e;
        util.Format(n, T::E164, &e);
        example = BlockSpec{iso, type, e.substr(0, e.size() - 4), int(e.size())};
        break;
      }
      if (!example) continue;
      const auto& mine = of[{iso, type}];
      ASSERT_FALSE(mine.empty()) << iso << " " << type;
      const uint64_t want = plan().automaton(*example).valid_count();
      bool as_good = false;
      for (const auto& b : mine) {
        EXPECT_EQ(plan().check_block(b), "") << name(b);
        if (plan().automaton(b).valid_count() * 10 >= want * 9) as_good = true;
      }
      EXPECT_TRUE(as_good) << iso << " " << type;
    }
  }
}

class Offered : public ::testing::Test {
 protected:
  void SetUp() override {
    int64_t id = 1;
    for (const auto& b : defaults()) inv.add_block(id++, b);
  }
  Inventory inv{plan()};
};

// Search -> claim -> describe at the inventory's level: every number a search of (country, type)
// offers is found by block_of (what Claim records) in a block of that very country and type, and
// is valid there.
TEST_F(Offered, EveryOfferedNumberBelongsToTheBlockThatOfferedIt) {
  std::mt19937_64 rng(11);
  for (const auto& b : defaults()) {
    const std::string country = b.country == "*" ? "JP" : b.country;
    const auto a = plan().automaton(b);
    std::vector<std::string> numbers = inv.search(country, b.type, b.prefix, "", 3, 0).numbers;
    for (int i = 0; i < 5; ++i)
      if (auto s = a.next_valid(rng() % a.size())) numbers.push_back(b.prefix + pad(*s, a.digits()));
    ASSERT_FALSE(numbers.empty()) << name(b);
    for (const auto& n : numbers) {
      auto found = inv.block_of(n);
      ASSERT_TRUE(found) << n;
      EXPECT_EQ(found->spec, b) << n << " offered by " << name(b) << ", recorded under " << name(found->spec);
      EXPECT_TRUE(plan().valid(n, country, b.type)) << n;
    }
  }
}

// blocks_overlap against enumeration of the common range.
TEST(DisjointBlocks, OverlapIsExact) {
  const std::pair<BlockSpec, BlockSpec> cases[] = {
      {{"US", "TOLL_FREE", "+1800234", 12}, {"CA", "TOLL_FREE", "+1800234", 12}},
      {{"US", "TOLL_FREE", "+18002", 12}, {"PR", "TOLL_FREE", "+1800234", 12}},
      {{"US", "DID", "+1206555", 12}, {"US", "TOLL_FREE", "+1206555", 12}},
      {{"US", "DID", "+12065550", 12}, {"US", "THIRD_PARTY_DID", "+1206555", 12}},
      {{"US", "DID", "+1206555", 12}, {"US", "DID", "+1206555", 13}},
      {{"US", "DID", "+1206555", 12}, {"US", "DID", "+1206556", 12}},
      {{"AU", "TOLL_FREE", "+61180012", 13}, {"CX", "TOLL_FREE", "+6118001", 13}},
      {{"GB", "DID", "+44148172", 13}, {"GG", "DID", "+44148172", 13}},
      {{"GB", "DID", "+44207946", 13}, {"GG", "DID", "+4420794", 13}},
      {{"VU", "TOLL_FREE", "+6788", 9}, {"VU", "DID", "+678", 9}},
      {{"IT", "DID", "+39069", 12}, {"VA", "DID", "+3906698", 12}},
      {{"RU", "DID", "+7301234", 12}, {"KZ", "DID", "+73012", 12}},
      {{"KZ", "TOLL_FREE", "+78001", 12}, {"RU", "TOLL_FREE", "+7800123", 12}},
      {{"*", "UIFN", "+8001234", 12}, {"*", "UIFN", "+800", 12}},
  };
  int overlapping = 0, disjoint = 0;
  for (const auto& [a, b] : cases) {
    bool expect = false;
    if (NumberPlan::ranges_overlap(a, b)) {
      const BlockSpec& longer = a.prefix.size() >= b.prefix.size() ? a : b;
      const size_t free = size_t(longer.length) - longer.prefix.size();
      ASSERT_LE(free, 6u) << "keep the enumeration small";
      const uint64_t n = uint64_t(std::pow(10, free));
      auto valid = [&](const BlockSpec& x, const std::string& e) {
        return plan().valid(e, x.country == "*" ? "US" : x.country, x.type);
      };
      for (uint64_t s = 0; s < n && !expect; ++s) {
        const std::string e = longer.prefix + pad(s, int(free));
        expect = valid(a, e) && valid(b, e);
      }
    }
    EXPECT_EQ(plan().blocks_overlap(a, b), expect) << name(a) << " vs " << name(b);
    EXPECT_EQ(plan().blocks_overlap(b, a), expect) << name(b) << " vs " << name(a);
    (expect ? overlapping : disjoint)++;
  }
  EXPECT_GE(overlapping, 3);  // the cases exercise both answers
  EXPECT_GE(disjoint, 3);
}

}  // namespace
}  // namespace cl::inventory
