// Loading and stocking the inventory: blocks live in the store, the availability index in memory.
#include <stdexcept>

#include "connect/service.hpp"

namespace cl::connect {

namespace {

std::string describe(const inventory::BlockSpec& b) {
  return b.country + " " + b.type + " " + b.prefix + " (length " + std::to_string(b.length) + ")";
}

// A number belongs to exactly one (country, type): a block may not share a valid number with
// another. Re-adding an existing block is not an overlap (it is a no-op).
void refuse_overlap(const inventory::NumberPlan& plan, const inventory::BlockSpec& b, const inventory::BlockSpec& other,
                    const char* where) {
  if (b != other && plan.blocks_overlap(b, other))
    throw std::invalid_argument("block " + describe(b) + " overlaps " + where + " block " + describe(other) +
                                ": a number belongs to exactly one country and type");
}

}  // namespace

void Service::add_blocks(const std::vector<inventory::BlockSpec>& specs) {
  for (const auto& b : specs)
    if (auto why = plan_.check_block(b); !why.empty()) throw std::invalid_argument(why);
  for (size_t i = 0; i < specs.size(); ++i)
    for (size_t j = 0; j < i; ++j) refuse_overlap(plan_, specs[i], specs[j], "the request's");
  store_.write([&](store::WriteTxn& t) {
    // Checked against the stored blocks inside the write: what every node agrees on.
    const std::vector<store::BlockRecord> existing = t.blocks();
    for (const auto& b : specs)
      for (const auto& e : existing) refuse_overlap(plan_, b, {e.country, e.type, e.prefix, e.length}, "the existing");
    for (const auto& b : specs) {
      store::BlockRecord r{0, b.country, b.type, b.prefix, b.length};
      if (t.insert_block(r) == store::Insert::Ok) t.publish({store::Change::Kind::Block, {}, 0, r.id});
    }
  });
}

std::vector<inventory::BlockSpec> Service::blocks() {
  store_.read([&](store::ReadTxn& t) { refresh(t); });
  std::vector<inventory::BlockSpec> out;
  for (const auto& b : inventory_.blocks()) out.push_back(b.spec);
  return out;
}

void Service::add_external_numbers(const std::vector<store::ExternalNumber>& numbers) {
  for (const auto& n : numbers) {
    if (!plan_.valid(n.number, n.country, n.type))
      throw std::invalid_argument("external number " + n.number + " is not a valid " + n.type + " number of " +
                                  n.country);
  }
  store_.write([&](store::WriteTxn& t) {
    for (const auto& n : numbers) t.put_external_number(n);
  });
}

std::vector<store::ExternalNumber> Service::external_numbers() {
  std::vector<store::ExternalNumber> out;
  store_.read([&](store::ReadTxn& t) { out = t.external_numbers(); });
  return out;
}

}  // namespace cl::connect
