#pragma once
// Amazon Connect ARNs: arn:aws:connect:<region>:<account>:<resource>.
#include <optional>
#include <string>
#include <string_view>

namespace cl {

struct Arn {
  std::string partition = "aws";
  std::string service;
  std::string region;
  std::string account_id;
  std::string resource;  // e.g. "instance/<id>", "phone-number/<id>"

  static std::optional<Arn> parse(std::string_view text);
  std::string str() const;
};

namespace arn {
std::string instance(std::string_view region, std::string_view account, std::string_view id);
std::string phone_number(std::string_view region, std::string_view account, std::string_view id);
std::string traffic_distribution_group(std::string_view region, std::string_view account, std::string_view id);
std::string contact_flow(std::string_view region, std::string_view account, std::string_view instance_id,
                         std::string_view flow_id);
}  // namespace arn

}  // namespace cl
