#pragma once
// Thin wrappers over OpenSSL: hashes, MACs, randomness, encodings.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cl::crypto {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);
std::string hex(const unsigned char* data, size_t n);
inline std::string hex(const Digest& d) { return hex(d.data(), d.size()); }
inline std::string_view as_view(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }
// Constant-time comparison.
bool equal(std::string_view a, std::string_view b);
void random_bytes(unsigned char* out, size_t n);
std::string base64url_encode(std::string_view data);
// Returns false on malformed input.
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace cl::crypto
