#include "common/arn.hpp"

namespace cl {

std::optional<Arn> Arn::parse(std::string_view text) {
  // arn:partition:service:region:account:resource (the resource may itself contain ':')
  Arn a;
  std::string_view parts[5];
  for (auto& p : parts) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    p = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].empty() || parts[2].empty() || text.empty()) return std::nullopt;
  a.partition = parts[1];
  a.service = parts[2];
  a.region = parts[3];
  a.account_id = parts[4];
  a.resource = text;
  return a;
}

std::string Arn::str() const {
  return "arn:" + partition + ":" + service + ":" + region + ":" + account_id + ":" + resource;
}

namespace arn {
namespace {
std::string connect_arn(std::string_view region, std::string_view account, std::string_view resource) {
  std::string s = "arn:aws:connect:";
  s.append(region).append(":").append(account).append(":").append(resource);
  return s;
}
}  // namespace

std::string instance(std::string_view region, std::string_view account, std::string_view id) {
  return connect_arn(region, account, "instance/" + std::string(id));
}
std::string phone_number(std::string_view region, std::string_view account, std::string_view id) {
  return connect_arn(region, account, "phone-number/" + std::string(id));
}
std::string traffic_distribution_group(std::string_view region, std::string_view account, std::string_view id) {
  return connect_arn(region, account, "traffic-distribution-group/" + std::string(id));
}
std::string contact_flow(std::string_view region, std::string_view account, std::string_view instance_id,
                         std::string_view flow_id) {
  return connect_arn(region, account, "instance/" + std::string(instance_id) + "/contact-flow/" + std::string(flow_id));
}
}  // namespace arn

}  // namespace cl
