#pragma once
// Routes a request on its raw target: split the path on '/', then percent-decode each segment,
// so ARNs sent as one encoded segment (`arn%3Aaws%3A...%2F...`) stay one label.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/model.hpp"

namespace cl::protocol {

struct RouteMatch {
  const Operation* operation = nullptr;
  std::vector<std::pair<std::string, std::string>> labels;  // label name -> decoded value
};

class Router {
 public:
  explicit Router(const Model& model);
  // Throws AwsException: UnknownOperationException for no route, NotImplementedException for a
  // Connect route outside the served operations, SerializationException for a malformed escape.
  RouteMatch route(std::string_view method, std::string_view raw_path) const;

 private:
  struct Candidate {
    const std::vector<PathSegment>* path;
    const Operation* operation;  // null for an unserved route
    const OtherRoute* other;
  };
  // Routes grouped by method and segment count (greedy labels are checked against every count).
  const std::vector<Candidate>& candidates(std::string_view method, size_t segments) const;
  std::vector<std::pair<std::string, std::vector<std::vector<Candidate>>>> by_method_;
  std::vector<Candidate> greedy_;
  std::vector<Candidate> none_;
};

// Splits a raw path on '/' and percent-decodes each segment; nullopt on a malformed escape.
bool split_and_decode(std::string_view raw_path, std::vector<std::string>& out);

}  // namespace cl::protocol
