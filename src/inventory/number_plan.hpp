#pragma once
// The numbering plan: which E.164 numbers are valid for a (country, PhoneNumberType), from
// libphonenumber's metadata, and the default number blocks derived from its example numbers.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/block_automaton.hpp"

namespace cl::inventory {

// Stands for every number `prefix` + (length - prefix.size()) digits that is valid for
// (country, type). Never materialised.
struct BlockSpec {
  std::string country;  // ISO 3166-1 alpha-2, or "*" (kEveryCountry) for a UIFN block offered in every country
  std::string type;     // PhoneNumberType: DID, TOLL_FREE, UIFN, SHARED, THIRD_PARTY_TF, THIRD_PARTY_DID, SHORT_CODE
  std::string prefix;   // E.164 prefix including '+', e.g. "+1206555"; starts with the country's calling code
  int length = 0;       // characters of each complete E.164 number including '+', e.g. 12 for +12065550100
  bool operator==(const BlockSpec&) const = default;
};

// Country of a UIFN block that serves the searches of every country.
inline constexpr std::string_view kEveryCountry = "*";

// Immutable after construction and safe to share between threads. Built once by the application.
//
// Validity = libphonenumber's valid-for-region(country) restricted to the type's class, using the
// country's own metadata (not region-of-number): +1 8xx toll-free numbers are TOLL_FREE in US, CA
// and every NANP country; CX and CC accept what their own (AU-like) patterns accept.
//   DID       fixed line, fixed line or mobile, mobile, VoIP
//   TOLL_FREE toll free
//   SHARED    shared cost
//   UIFN      +800 followed by 8 digits valid for libphonenumber's non-geographic region 800,
//             in every country known to libphonenumber
//   THIRD_PARTY_TF, THIRD_PARTY_DID, SHORT_CODE: no validation class; any digits after the
//             country's calling code (blocks of these types are stocked by an administrator)
class NumberPlan {
 public:
  NumberPlan();
  ~NumberPlan();
  NumberPlan(const NumberPlan&) = delete;
  NumberPlan& operator=(const NumberPlan&) = delete;

  // A geographic region libphonenumber has metadata for (AQ, AN, PN: no).
  bool knows_country(std::string_view iso) const;
  static bool known_type(std::string_view type);
  // Country calling code of a known country (1 for US, 44 for GB).
  std::optional<int> calling_code(std::string_view iso) const;

  // Authoritative: is this E.164 number valid for (country, type class)?
  bool valid(std::string_view e164, std::string_view country, std::string_view type) const;
  // The validated type ("DID", "TOLL_FREE", "SHARED", "UIFN") the number has in this country, or ""
  // (the THIRD_PARTY_* and SHORT_CODE types are never returned: they are known only from blocks).
  std::string type_of(std::string_view e164, std::string_view country) const;
  // libphonenumber's region of the number ("US" for +1 800…, "AU" for +61 1800…), "" if none.
  std::string region_of(std::string_view e164) const;

  // The default inventory for these countries (the model's PhoneNumberCountryCode enum): per known
  // country a DID block (fixed-line example, else mobile) and a TOLL_FREE block when libphonenumber
  // has a toll-free example, each the example minus its last four digits (10^4 numbers); several
  // area codes for US and GB; SHARED for ZA; and one UIFN block {"*", "UIFN", "+800", 12}.
  //
  // No two of them share a number (ranges_overlap is false for every pair), so every number
  // belongs to exactly one (country, type). Countries that share a numbering plan often share
  // example numbers (every NANP country's toll-free example is the same +1 800 number; CX and CC
  // use AU's; GG, JE and IM GB's): the range goes to the country libphonenumber names as the
  // region of its numbers, and every other country's block moves to the nearest free range of the
  // same plan (the example's prefix with its last digits varied) that is as valid as the original.
  std::vector<BlockSpec> default_blocks(const std::vector<std::string>& countries) const;

  // Do the blocks cover a common E.164 string (same length, one prefix extends the other)?
  static bool ranges_overlap(const BlockSpec& a, const BlockSpec& b);
  // Is some number valid in both blocks? Exact (the two automata over the range both cover);
  // beyond a bound of work it answers true, the safe side for refusing a block. Throws
  // std::invalid_argument for a malformed block.
  bool blocks_overlap(const BlockSpec& a, const BlockSpec& b) const;

  // Checks an admin-supplied block: known type, known country ("*" only for UIFN), prefix '+' and
  // digits starting with the country's calling code (+800 for UIFN), length <= 16 and >= the
  // prefix's, at least one valid number. Returns an error message, or "" when acceptable.
  std::string check_block(const BlockSpec& b) const;

  // The exact valid subset of a block over its free digits. Throws std::invalid_argument for a
  // malformed block (check_block's rules except "at least one valid number").
  BlockAutomaton automaton(const BlockSpec& b) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cl::inventory
