#pragma once
// Quotas and rules per (account, region): defaults from flags, overrides from the admin API, kept in
// the store so every node applies the same numbers.
#include <cstdint>

#include "common/value.hpp"
#include "store/store.hpp"

namespace cl::connect {

struct Quotas {
  int64_t phone_numbers_per_instance = 5;
  int64_t instances = 2;
  double claim_release_ratio = 2.0;
  int64_t claim_release_window_days = 180;
  bool claim_release_rule = true;
  int64_t cooldown_days = 180;

  Value to_value() const;
  // Applies the members present in `v`; throws std::invalid_argument naming a bad member.
  void apply(const Value& v);
};

Quotas load_quotas(store::ReadTxn& t, const store::Scope& scope, const Quotas& defaults);
void save_quotas(store::WriteTxn& t, const store::Scope& scope, const Quotas& q);

}  // namespace cl::connect
