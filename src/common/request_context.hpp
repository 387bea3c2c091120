#pragma once
// Who is calling and when: what every domain operation receives besides its input.
#include <string>

#include "common/aws_error.hpp"
#include "common/clock.hpp"

namespace cl {

struct RequestContext {
  std::string account_id;
  std::string region;
  std::string request_id;
  std::string operation;
  // The operation's modeled 400 error (InvalidParameterException or InvalidRequestException),
  // for domain checks that are validation in nature (bad page tokens, conflicting members).
  const char* validation_error = errors::kInvalidRequest;
  Millis now_ms = 0;  // domain clock, read once per request
};

}  // namespace cl
