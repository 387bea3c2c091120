#include "common/metrics.hpp"

#include <cstdio>

namespace cl {

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  char num[64];
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    if (i < kBounds.size())
      std::snprintf(num, sizeof num, "%g", kBounds[i]);
    else
      std::snprintf(num, sizeof num, "+Inf");
    out += name + "_bucket{" + labels + sep + "le=\"" + num + "\"} " + std::to_string(cumulative) + "\n";
  }
  std::snprintf(num, sizeof num, "%.9f", static_cast<double>(sum_ns_.load()) / 1e9);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + num + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_.load()) + "\n";
}

namespace {
uint64_t next_metrics_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}
}  // namespace

Metrics::Metrics() : id_(next_metrics_id()) {}

Metrics::Operation& Metrics::operation(const std::string& name) {
  // Operations are never removed, so each thread remembers the ones it has seen, for one Metrics
  // at a time (by id: a Metrics built where a destroyed one was must not find its operations).
  thread_local uint64_t cached_for = 0;
  thread_local std::map<std::string, Operation*, std::less<>> cache;
  if (cached_for != id_) {
    cache.clear();
    cached_for = id_;
  }
  if (auto it = cache.find(name); it != cache.end()) return *it->second;
  std::lock_guard lk(mu_);
  auto& slot = operations_[name];
  if (!slot) slot = std::make_unique<Operation>();
  cache.emplace(name, slot.get());
  return *slot;
}

void Metrics::record_request(const std::string& op_name, const std::string& code, double seconds) {
  Operation& op = operation(op_name);
  op.latency.observe(seconds);
  if (code == "OK") {
    op.ok.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::lock_guard lk(op.mu);
  auto& counter = op.codes[code];
  if (!counter) counter = std::make_unique<std::atomic<uint64_t>>(0);
  counter->fetch_add(1, std::memory_order_relaxed);
}

void Metrics::record_commit(double seconds, size_t transactions) {
  commit_latency_.observe(seconds);
  commits_.fetch_add(1, std::memory_order_relaxed);
  committed_transactions_.fetch_add(transactions, std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP connect_local_requests_total Requests by operation and result code.\n";
  out += "# TYPE connect_local_requests_total counter\n";
  uint64_t claims = 0, releases = 0;
  std::lock_guard lk(mu_);
  for (const auto& [name, op] : operations_) {
    std::lock_guard olk(op->mu);
    std::map<std::string, uint64_t> counts;
    if (uint64_t ok = op->ok.load()) counts["OK"] = ok;
    for (const auto& [code, n] : op->codes) counts[code] = n->load();
    for (const auto& [code, v] : counts) {
      out +=
          "connect_local_requests_total{operation=\"" + name + "\",code=\"" + code + "\"} " + std::to_string(v) + "\n";
      if (code == "OK" && (name == "ClaimPhoneNumber" || name == "ImportPhoneNumber")) claims += v;
      if (code == "OK" && name == "ReleasePhoneNumber") releases += v;
    }
  }
  out += "# HELP connect_local_request_duration_seconds Request latency by operation.\n";
  out += "# TYPE connect_local_request_duration_seconds histogram\n";
  for (const auto& [name, op] : operations_)
    op->latency.render(out, "connect_local_request_duration_seconds", "operation=\"" + name + "\"");
  out +=
      "# HELP connect_local_claims_total Phone numbers claimed or imported.\n# TYPE connect_local_claims_total "
      "counter\n";
  out += "connect_local_claims_total " + std::to_string(claims) + "\n";
  out += "# HELP connect_local_releases_total Phone numbers released.\n# TYPE connect_local_releases_total counter\n";
  out += "connect_local_releases_total " + std::to_string(releases) + "\n";
  out += "# HELP connect_local_store_commit_seconds Durable commit latency (one commit carries a batch).\n";
  out += "# TYPE connect_local_store_commit_seconds histogram\n";
  commit_latency_.render(out, "connect_local_store_commit_seconds", "");
  out += "# HELP connect_local_store_committed_transactions_total Transactions made durable.\n";
  out += "# TYPE connect_local_store_committed_transactions_total counter\n";
  out += "connect_local_store_committed_transactions_total " + std::to_string(committed_transactions_.load()) + "\n";
  return out;
}

}  // namespace cl
