#include "common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace cl::crypto {

namespace {
// SHA-256 on a digest fetched once and a context reused per thread: OpenSSL 3's one-shot calls
// (EVP_Digest with EVP_sha256(), HMAC()) fetch the algorithm by name under a lock and allocate a
// context every time, which costs more than hashing a request (SigV4) or a page token.
const EVP_MD* sha256_md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!m) throw std::runtime_error("OpenSSL: SHA256 unavailable");
    return m;
  }();
  return md;
}

class Sha256 {
 public:
  Sha256() : ctx_(thread_ctx()) { EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr); }
  void update(const void* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  Digest final() {
    Digest d{};
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, d.data(), &n);
    return d;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  static EVP_MD_CTX* thread_ctx() {
    thread_local std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
    return ctx.get();
  }
  EVP_MD_CTX* ctx_;  // one hash at a time per thread: instances are never interleaved
};
}  // namespace

Digest sha256(std::string_view data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.final();
}

// RFC 2104 over the reused SHA-256 context.
Digest hmac_sha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  unsigned char k[kBlock] = {};
  if (key.size() > kBlock) {
    const Digest kd = sha256(key);
    std::memcpy(k, kd.data(), kd.size());
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x36;
  Digest ih;
  {
    Sha256 inner;
    inner.update(pad, kBlock);
    inner.update(data.data(), data.size());
    ih = inner.final();
  }
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x5c;
  Sha256 outer;
  outer.update(pad, kBlock);
  outer.update(ih.data(), ih.size());
  return outer.final();
}

std::string hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

bool equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void random_bytes(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
int b64_index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}
}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (size_t rest = data.size() - i; rest > 0) {
    uint32_t v = uint8_t(data[i]) << 16;
    if (rest == 2) v |= uint8_t(data[i + 1]) << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    if (rest == 2) out += kB64[(v >> 6) & 63];
  }
  return out;
}

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = b64_index(c);
    if (v < 0) return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return true;
}

}  // namespace cl::crypto
