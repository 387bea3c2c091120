// Loading and stocking the inventory: blocks live in the store, the availability index in memory.
#include <stdexcept>

#include "connect/service.hpp"

namespace cl::connect {

void Service::add_blocks(const std::vector<inventory::BlockSpec>& specs) {
  for (const auto& b : specs)
    if (auto why = plan_.check_block(b); !why.empty()) throw std::invalid_argument(why);
  store_.write([&](store::WriteTxn& t) {
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
      throw std::invalid_argument("external number " + n.number + " is not a valid " + n.type + " number of " + n.country);
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
