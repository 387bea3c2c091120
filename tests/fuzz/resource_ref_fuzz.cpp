// Fuzz target: the one id/ARN parser. Whatever it accepts must round-trip: its canonical ARN parses
// again to the same reference, in the caller's account, with partition aws and a Connect region.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/resource_ref.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte: which kinds and options; the rest: the text.
  const uint8_t mode = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const cl::Caller caller{"111111111111", "us-east-1"};
  const cl::ResourceKinds kinds = static_cast<cl::ResourceKinds>((mode & 0x1f) ? (mode & 0x1f) : cl::kAnyKind);
  const cl::RefOptions options{(mode & 0x20) != 0,
                               (mode & 0x40) ? std::string_view("11111111-2222-4333-8444-555555555555") : ""};
  const auto r = cl::parse_resource_ref(text, kinds, caller, options);
  if (!r) return 0;
  require(r->partition == "aws" && r->account_id == caller.account_id && cl::is_connect_region(r->region));
  require(kinds & cl::kinds(r->kind));
  const std::string arn = r->arn();
  if (!r->bare) require(arn == text);
  const auto again = cl::parse_resource_ref(arn, cl::kinds(r->kind), caller, cl::RefOptions{false, {}});
  require(again && again->kind == r->kind && again->id == r->id && again->instance_id == r->instance_id &&
          again->region == r->region && again->arn() == arn);
  return 0;
}
