#include "auth/sigv4.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "common/aws_error.hpp"
#include "common/percent.hpp"

namespace cl::auth {

namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";

// Byte classes: 1 = RFC 3986 unreserved (A-Z a-z 0-9 - _ . ~), 2 = '/'.
constexpr std::array<unsigned char, 256> kByteClass = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c)
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~')
      t[static_cast<size_t>(c)] = 1;
  t['/'] = 2;
  return t;
}();

bool is_unreserved(unsigned char c) { return kByteClass[c] == 1; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Hashing through common/crypto: one reused context per thread, no per-call algorithm lookup.
using crypto::hmac_sha256;
using crypto::sha256;

void hex_into(const crypto::Digest& d, HexDigest& out) {
  static constexpr char kLowerHex[] = "0123456789abcdef";
  for (size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kLowerHex[d[i] >> 4];
    out[2 * i + 1] = kLowerHex[d[i] & 0xf];
  }
}

// Whitespace as Python's str.split() sees it in ASCII (botocore trims header values with it).
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

void append_escaped(std::string& out, unsigned char c) {
  out += '%';
  out += kUpperHex[c >> 4];
  out += kUpperHex[c & 0xf];
}

// Percent-decodes `in` and re-encodes it strictly, in one pass. A malformed escape is taken as a
// literal '%' (and so becomes %25).
void append_reencoded(std::string& out, std::string_view in) {
  for (size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<unsigned char>(hi * 16 + lo);
        i += 2;
      }
    }
    if (is_unreserved(c))
      out += static_cast<char>(c);
    else
      append_escaped(out, c);
  }
}

void append_canonical_uri(std::string& out, std::string_view raw_path) {
  if (raw_path.empty()) {
    out += '/';
    return;
  }
  size_t i = 0;
  while (i < raw_path.size()) {
    size_t j = i;
    while (j < raw_path.size() && kByteClass[static_cast<unsigned char>(raw_path[j])] != 0) ++j;
    out.append(raw_path.data() + i, j - i);
    if (j == raw_path.size()) break;
    append_escaped(out, static_cast<unsigned char>(raw_path[j]));
    i = j + 1;
  }
}

struct QueryEntry {
  uint32_t name_off, name_len, value_off, value_len;
};

void append_canonical_query(std::string& out, std::string_view raw_query, bool presigned) {
  if (raw_query.empty()) return;
  // Scratch reused per thread: the verifier runs this on every request.
  thread_local std::string buf;
  thread_local std::vector<QueryEntry> entries;
  buf.clear();
  entries.clear();
  percent::for_each_query_part(raw_query, [&](std::string_view name, std::string_view value) {
    QueryEntry e{};
    e.name_off = static_cast<uint32_t>(buf.size());
    append_reencoded(buf, name);
    e.name_len = static_cast<uint32_t>(buf.size() - e.name_off);
    if (presigned && std::string_view(buf).substr(e.name_off) == "X-Amz-Signature") {
      buf.resize(e.name_off);
      return;
    }
    e.value_off = static_cast<uint32_t>(buf.size());
    append_reencoded(buf, value);
    e.value_len = static_cast<uint32_t>(buf.size() - e.value_off);
    entries.push_back(e);
  });
  const std::string_view b = buf;
  std::sort(entries.begin(), entries.end(), [b](const QueryEntry& x, const QueryEntry& y) {
    int c = b.substr(x.name_off, x.name_len).compare(b.substr(y.name_off, y.name_len));
    if (c != 0) return c < 0;
    return b.substr(x.value_off, x.value_len) < b.substr(y.value_off, y.value_len);
  });
  bool first = true;
  for (const auto& e : entries) {
    if (!first) out += '&';
    first = false;
    out.append(b.substr(e.name_off, e.name_len));
    out += '=';
    out.append(b.substr(e.value_off, e.value_len));
  }
}

// Appends the value trimmed, with inner whitespace runs collapsed to one space.
void append_header_value(std::string& out, std::string_view value) {
  value = trim(value);  // so every run of spaces below is followed by a non-space
  size_t i = 0;
  while (i < value.size()) {
    size_t j = i;
    while (j < value.size() && !is_space(value[j])) ++j;
    out.append(value.data() + i, j - i);
    if (j == value.size()) break;
    out += ' ';
    while (is_space(value[j])) ++j;
    i = j;
  }
}

void append_canonical_headers(std::string& out, const http::Request& request, std::string_view signed_headers) {
  size_t pos = 0;
  while (pos <= signed_headers.size()) {
    size_t semi = signed_headers.find(';', pos);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    std::string_view name = signed_headers.substr(pos, semi - pos);
    pos = semi + 1;
    out.append(name);
    out += ':';
    bool first = true;
    for (const auto& h : request.headers) {
      if (!ascii_iequals(h.name, name)) continue;
      if (!first) out += ',';
      first = false;
      append_header_value(out, h.value);
    }
    out += '\n';
  }
}

}  // namespace

AuthorizationHeader parse_authorization(std::string_view value) {
  AuthorizationHeader out;
  value = trim(value);
  // The algorithm is the first token, unless that token is already a parameter (no algorithm sent).
  size_t sp = 0;
  while (sp < value.size() && !is_space(value[sp])) ++sp;
  std::string_view first = value.substr(0, sp);
  std::string_view params = value;
  if (first.find('=') == std::string_view::npos) {
    out.algorithm = first;
    params = value.substr(sp);
  }
  size_t pos = 0;
  while (pos <= params.size()) {
    size_t comma = params.find(',', pos);
    if (comma == std::string_view::npos) comma = params.size();
    std::string_view part = trim(params.substr(pos, comma - pos));
    pos = comma + 1;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(part.substr(0, eq));
    std::string_view val = trim(part.substr(eq + 1));
    if (key == "Credential" && !out.has_credential) {
      out.credential = val;
      out.has_credential = true;
    } else if (key == "SignedHeaders" && !out.has_signed_headers) {
      out.signed_headers = val;
      out.has_signed_headers = true;
    } else if (key == "Signature" && !out.has_signature) {
      out.signature = val;
      out.has_signature = true;
    }
  }
  return out;
}

bool parse_credential(std::string_view credential, CredentialScope& out) {
  std::string_view parts[5];
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t slash = credential.find('/', pos);
    if (i == 4) {
      if (slash != std::string_view::npos) return false;
      slash = credential.size();
    } else if (slash == std::string_view::npos) {
      return false;
    }
    parts[i] = credential.substr(pos, slash - pos);
    pos = slash + 1;
  }
  out.access_key_id = parts[0];
  out.date = parts[1];
  out.region = parts[2];
  out.service = parts[3];
  out.terminator = parts[4];
  out.scope = credential.substr(parts[0].size() + 1);
  return true;
}

bool valid_region(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  for (char c : region)
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-')) return false;
  return true;
}

std::string canonical_uri(std::string_view raw_path) {
  std::string out;
  out.reserve(raw_path.size() + 16);
  append_canonical_uri(out, raw_path);
  return out;
}

std::string canonical_query(std::string_view raw_query, bool presigned) {
  std::string out;
  append_canonical_query(out, raw_query, presigned);
  return out;
}

std::string canonical_headers(const http::Request& request, std::string_view signed_headers) {
  std::string out;
  append_canonical_headers(out, request, signed_headers);
  return out;
}

std::string_view payload_hash(std::string_view body, const std::string_view* declared, HexDigest& scratch) {
  if (declared && *declared == kUnsignedPayload) return *declared;
  if (body.empty()) {
    std::copy(kEmptyPayloadHash.begin(), kEmptyPayloadHash.end(), scratch.begin());
  } else {
    const crypto::Digest d = sha256(body);
    hex_into(d, scratch);
  }
  const std::string_view computed(scratch.data(), scratch.size());
  if (!declared) return computed;
  if (!ascii_iequals(*declared, computed))
    errors::raise(errors::kInvalidSignature,
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");
  return *declared;
}

std::string payload_hash(const http::Request& request) {
  HexDigest scratch;
  const std::string_view declared = request.header("x-amz-content-sha256");
  const bool has = request.has_header("x-amz-content-sha256");
  return std::string(payload_hash(request.body, has ? &declared : nullptr, scratch));
}

void append_canonical_request(std::string& out, const http::Request& request, std::string_view signed_headers,
                              std::string_view payload_hash, bool presigned, std::string_view canonical_path) {
  out.append(request.method);
  out += '\n';
  if (canonical_path.empty())
    append_canonical_uri(out, request.raw_path());
  else
    out.append(canonical_path);
  out += '\n';
  append_canonical_query(out, request.raw_query(), presigned);
  out += '\n';
  append_canonical_headers(out, request, signed_headers);
  out += '\n';
  out.append(signed_headers);
  out += '\n';
  out.append(payload_hash);
}

std::string canonical_request(const http::Request& request, std::string_view signed_headers,
                              std::string_view payload_hash, bool presigned) {
  std::string out;
  out.reserve(512);
  append_canonical_request(out, request, signed_headers, payload_hash, presigned);
  return out;
}

std::string credential_scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + kTerminator.size() + 3);
  out.append(date).append("/").append(region).append("/").append(service).append("/").append(kTerminator);
  return out;
}

void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n").append(scope).append("\n");
  HexDigest h;
  hex_into(sha256(canonical_request), h);
  out.append(h.data(), h.size());
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 64 + 3);
  append_string_to_sign(out, amz_date, scope, canonical_request);
  return out;
}

crypto::Digest signing_key(std::string_view secret, std::string_view date, std::string_view region,
                           std::string_view service) {
  std::string k;
  k.reserve(4 + secret.size());
  k.append("AWS4").append(secret);
  crypto::Digest d = hmac_sha256(k, date);
  d = hmac_sha256(crypto::as_view(d), region);
  d = hmac_sha256(crypto::as_view(d), service);
  return hmac_sha256(crypto::as_view(d), kTerminator);
}

std::string signature(const crypto::Digest& key, std::string_view string_to_sign) {
  return crypto::hex(hmac_sha256(crypto::as_view(key), string_to_sign));
}

void signature(const crypto::Digest& key, std::string_view string_to_sign, HexDigest& out) {
  hex_into(hmac_sha256(crypto::as_view(key), string_to_sign), out);
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

size_t SigningKeyCache::Hash::operator()(const View& v) const {
  std::hash<std::string_view> h;
  size_t mix = h(v.secret);
  mix = mix * 1000003u ^ h(v.date);
  mix = mix * 1000003u ^ h(v.region);
  return mix * 1000003u ^ h(v.service);
}

namespace {
std::atomic<uint64_t> next_cache_id{1};

// A thread's own recently used keys: hits take no lock.
struct FrontEntry {
  uint64_t cache_id = 0;
  std::string secret, date, region, service;
  crypto::Digest key{};
};
constexpr size_t kFrontEntries = 8;
thread_local std::array<FrontEntry, kFrontEntries> front_cache;
thread_local size_t front_next = 0;
}  // namespace

SigningKeyCache::SigningKeyCache(size_t capacity) : id_(next_cache_id.fetch_add(1)), capacity_(capacity) {}

crypto::Digest SigningKeyCache::get(std::string_view secret, std::string_view date, std::string_view region,
                                    std::string_view service) {
  for (const FrontEntry& e : front_cache)
    if (e.cache_id == id_ && e.date == date && e.region == region && e.service == service && e.secret == secret)
      return e.key;

  const View view{secret, date, region, service};
  crypto::Digest key{};
  bool found = false;
  {
    std::shared_lock lock(mutex_);
    if (auto it = keys_.find(view); it != keys_.end()) {
      key = it->second;
      found = true;
    }
  }
  if (!found) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    key = signing_key(secret, date, region, service);
    std::unique_lock lock(mutex_);
    if (keys_.size() >= capacity_) keys_.clear();
    keys_.try_emplace(Key{std::string(secret), std::string(date), std::string(region), std::string(service)}, key);
  }
  FrontEntry& slot = front_cache[front_next++ % kFrontEntries];
  slot.cache_id = id_;
  slot.secret.assign(secret);
  slot.date.assign(date);
  slot.region.assign(region);
  slot.service.assign(service);
  slot.key = key;
  return key;
}

}  // namespace cl::auth
