#include "protocol/router.hpp"

#include <algorithm>

#include "common/aws_error.hpp"
#include "common/percent.hpp"

namespace cl::protocol {

bool split_and_decode(std::string_view raw_path, std::vector<std::string>& out) {
  out.clear();
  size_t pos = 0;
  if (!raw_path.empty() && raw_path.front() == '/') pos = 1;
  while (pos <= raw_path.size()) {
    size_t next = raw_path.find('/', pos);
    if (next == std::string_view::npos) next = raw_path.size();
    auto decoded = percent::decode(raw_path.substr(pos, next - pos));
    if (!decoded) return false;
    out.push_back(std::move(*decoded));
    pos = next + 1;
  }
  // A trailing slash leaves an empty last segment; drop it (as AWS front ends do).
  if (out.size() > 1 && out.back().empty()) out.pop_back();
  return true;
}

namespace {

// Score of a match: literal segments weigh more than labels; -1 when it does not match.
int match(const std::vector<PathSegment>& tmpl, const std::vector<std::string>& segs,
          std::vector<std::pair<std::string, std::string>>* labels) {
  int score = 0;
  size_t i = 0;
  for (size_t t = 0; t < tmpl.size(); ++t) {
    const auto& ps = tmpl[t];
    if (ps.greedy) {
      if (i >= segs.size()) return -1;
      std::string rest;
      for (; i < segs.size(); ++i) rest += (rest.empty() ? "" : "/") + segs[i];
      if (labels) labels->emplace_back(ps.text, std::move(rest));
      score += 1;
      continue;
    }
    if (i >= segs.size()) return -1;
    if (ps.is_label) {
      if (segs[i].empty()) return -1;
      if (labels) labels->emplace_back(ps.text, segs[i]);
      score += 1;
    } else {
      if (segs[i] != ps.text) return -1;
      score += 100;
    }
    ++i;
  }
  if (i != segs.size()) return -1;
  return score;
}

}  // namespace

Router::Router(const Model& model) {
  auto add = [&](const std::string& method, const std::vector<PathSegment>& path, const Operation* op,
                 const OtherRoute* other) {
    Candidate c{&path, op, other};
    bool greedy = !path.empty() && path.back().greedy;
    if (greedy) {
      greedy_.push_back(c);
      return;
    }
    auto it = std::find_if(by_method_.begin(), by_method_.end(), [&](const auto& e) { return e.first == method; });
    if (it == by_method_.end()) it = by_method_.insert(by_method_.end(), {method, {}});
    if (it->second.size() <= path.size()) it->second.resize(path.size() + 1);
    it->second[path.size()].push_back(c);
  };
  for (const auto& op : model.operations()) add(op.method, op.path, &op, nullptr);
  for (const auto& r : model.other_routes()) add(r.method, r.path, nullptr, &r);
}

const std::vector<Router::Candidate>& Router::candidates(std::string_view method, size_t segments) const {
  for (const auto& [m, by_count] : by_method_)
    if (m == method) return segments < by_count.size() ? by_count[segments] : none_;
  return none_;
}

RouteMatch Router::route(std::string_view method, std::string_view raw_path) const {
  std::vector<std::string> segs;
  if (!split_and_decode(raw_path, segs))
    errors::raise(errors::kSerialization, "Malformed percent-encoding in the request path");
  if (segs.size() == 1 && segs[0].empty()) segs.clear();
  // The most specific route wins; a served operation wins ties with an unserved route.
  RouteMatch best;
  const OtherRoute* other = nullptr;
  int best_score = -1;
  auto consider = [&](const Candidate& c) {
    int s = match(*c.path, segs, nullptr);
    if (s > best_score || (s == best_score && s >= 0 && c.operation && other)) {
      best_score = s;
      best.operation = c.operation;
      other = c.other;
    }
  };
  for (const auto& c : candidates(method, segs.size())) consider(c);
  for (const auto& c : greedy_)
    if (c.operation ? c.operation->method == method : c.other->method == method) consider(c);
  if (other)
    errors::raise(errors::kNotImplemented,
                  "The operation " + other->operation + " is not implemented by connect-local");
  if (!best.operation)
    errors::raise(errors::kUnknownOperation,
                  "No operation matches " + std::string(method) + " " + std::string(raw_path));
  match(best.operation->path, segs, &best.labels);
  return best;
}

}  // namespace cl::protocol
