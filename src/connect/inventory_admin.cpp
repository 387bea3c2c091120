// Loading and stocking the inventory: blocks live in the store, the availability index in memory.
#include <stdexcept>

#include "connect/service.hpp"

namespace cl::connect {

void Service::load_inventory(std::vector<inventory::BlockSpec> defaults, Millis now_ms) {
  default_blocks_ = std::move(defaults);
  std::vector<store::BlockRecord> blocks;
  std::vector<std::pair<std::string, Millis>> holds;
  store_.write([&](store::Txn& t) {
    blocks = t.blocks();
    if (!blocks.empty()) return;
    for (const auto& b : default_blocks_) {
      store::BlockRecord r{0, b.country, b.type, b.prefix, b.length};
      if (t.insert_block(r) == store::Insert::Ok) blocks.push_back(r);
    }
  });
  store_.read([&](store::Txn& t) { holds = t.active_holds(now_ms); });
  inventory_.clear();
  for (const auto& b : blocks) inventory_.add_block(b.id, {b.country, b.type, b.prefix, b.length});
  for (const auto& [number, until] : holds) inventory_.hold(number, until);
}

void Service::add_blocks(const std::vector<inventory::BlockSpec>& specs) {
  for (const auto& b : specs)
    if (auto why = plan_.check_block(b); !why.empty()) throw std::invalid_argument(why);
  std::vector<store::BlockRecord> added;
  store_.write([&](store::Txn& t) {
    for (const auto& b : specs) {
      store::BlockRecord r{0, b.country, b.type, b.prefix, b.length};
      if (t.insert_block(r) == store::Insert::Ok) added.push_back(r);
    }
  });
  for (const auto& r : added) inventory_.add_block(r.id, {r.country, r.type, r.prefix, r.length});
}

std::vector<inventory::BlockSpec> Service::blocks() {
  std::vector<inventory::BlockSpec> out;
  for (const auto& b : inventory_.blocks()) out.push_back(b.spec);
  return out;
}

void Service::add_external_numbers(const std::vector<store::ExternalNumber>& numbers) {
  for (const auto& n : numbers) {
    if (!plan_.valid(n.number, n.country, n.type))
      throw std::invalid_argument("external number " + n.number + " is not a valid " + n.type + " number of " + n.country);
  }
  store_.write([&](store::Txn& t) {
    for (const auto& n : numbers) t.put_external_number(n);
  });
}

std::vector<store::ExternalNumber> Service::external_numbers() {
  std::vector<store::ExternalNumber> out;
  store_.read([&](store::Txn& t) { out = t.external_numbers(); });
  return out;
}

void Service::reset(Millis now_ms) {
  store_.reset();
  load_inventory(default_blocks_, now_ms);
}

}  // namespace cl::connect
