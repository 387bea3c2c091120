#include "common/ids.hpp"

#include <cctype>
#include <cstring>
#include <random>

#include "common/crypto.hpp"

namespace cl {

std::string random_uuid() {
  unsigned char b[16];
  crypto::random_bytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string h = crypto::hex(b, sizeof b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string fast_uuid() {
  thread_local std::mt19937_64 rng = [] {
    uint64_t seed = 0;
    crypto::random_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
    return std::mt19937_64(seed);
  }();
  unsigned char b[16];
  const uint64_t hi = rng(), lo = rng();
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string h = crypto::hex(b, sizeof b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string RandomIdGenerator::uuid() { return random_uuid(); }

static bool uuid_shape(std::string_view s, bool lower_only) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!(std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f') ||
                 (!lower_only && c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool is_uuid(std::string_view s) { return uuid_shape(s, false); }
bool is_lower_uuid(std::string_view s) { return uuid_shape(s, true); }

std::string random_alnum(size_t n) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(n, 'A');
  unsigned char b[64];
  for (size_t i = 0; i < n; ++i) {
    if (i % sizeof b == 0) crypto::random_bytes(b, sizeof b);
    out[i] = kChars[b[i % sizeof b] % 62];
  }
  return out;
}

}  // namespace cl
