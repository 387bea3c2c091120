#include "common/page_token.hpp"

#include "common/crypto.hpp"

namespace cl {

namespace {
constexpr size_t kMacBytes = 16;
constexpr char kVersion = '1';

std::string mac(const std::string& key, std::string_view binding, std::string_view position) {
  std::string msg;
  msg.reserve(binding.size() + position.size() + 2);
  msg.append(binding).push_back('\0');
  msg.append(position);
  auto d = crypto::hmac_sha256(key, msg);
  return std::string(reinterpret_cast<const char*>(d.data()), kMacBytes);
}
}  // namespace

std::string PageTokens::make(std::string_view binding, std::string_view position) const {
  std::string raw;
  raw.push_back(kVersion);
  raw.append(mac(key_, binding, position));
  raw.append(position);
  return crypto::base64url_encode(raw);
}

std::optional<std::string> PageTokens::open(std::string_view binding, std::string_view token) const {
  if (token.size() > 4096) return std::nullopt;
  std::string raw;
  if (!crypto::base64url_decode(token, raw) || raw.size() < 1 + kMacBytes || raw[0] != kVersion) return std::nullopt;
  std::string_view tag = std::string_view(raw).substr(1, kMacBytes);
  std::string position = raw.substr(1 + kMacBytes);
  if (!crypto::equal(tag, mac(key_, binding, position))) return std::nullopt;
  return position;
}

}  // namespace cl
