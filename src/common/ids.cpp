#include "common/ids.hpp"

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "common/crypto.hpp"

namespace cl {

namespace {

// The one UUID v4 layout: version and variant bits set, lower-case 8-4-4-4-12 hex.
void format_uuid4(unsigned char b[16], char* out) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 0x0f];
  }
}

// splitmix64: a per-thread stream, seeded once from the OS.
uint64_t next_fast_random() {
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    crypto::random_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
    return seed;
  }();
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// 16 bytes from the OS's cryptographic generator. RAND_bytes costs microseconds per call (locks,
// fork check): they are taken 64 UUIDs' worth at a time.
void take_random_16(unsigned char b[16]) {
  thread_local unsigned char pool[16 * 64];
  thread_local size_t used = sizeof pool;
  if (used == sizeof pool) {
    crypto::random_bytes(pool, sizeof pool);
    used = 0;
  }
  std::memcpy(b, pool + used, 16);
  std::memset(pool + used, 0, 16);  // each byte is handed out once
  used += 16;
}

}  // namespace

std::string random_uuid() {
  unsigned char b[16];
  take_random_16(b);
  std::string out(kUuidLength, '0');
  format_uuid4(b, out.data());
  return out;
}

std::string time_ordered_uuid(int64_t unix_ms) {
  unsigned char b[16];
  take_random_16(b);
  const auto ms = static_cast<uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  std::string out(kUuidLength, '0');
  format_uuid4(b, out.data());
  return out;
}

void write_fast_uuid(char* out) {
  unsigned char b[16];
  const uint64_t hi = next_fast_random(), lo = next_fast_random();
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
  format_uuid4(b, out);
}

std::string fast_uuid() {
  std::string out(kUuidLength, '0');
  write_fast_uuid(out.data());
  return out;
}

std::string RandomIdGenerator::uuid() {
  return time_ordered_uuid(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

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
