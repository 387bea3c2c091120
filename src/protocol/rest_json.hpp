#pragma once
// The rest-json protocol, driven by the model: request members from uri labels, query, headers and
// the JSON body into one input Value; validation of every constraint; output and error bodies.
#include <string>
#include <string_view>
#include <vector>

#include "common/aws_error.hpp"
#include "common/value.hpp"
#include "http/message.hpp"
#include "protocol/model.hpp"
#include "protocol/router.hpp"

namespace cl::protocol {

// Builds the input of `match.operation` from the request. Throws AwsException:
// SerializationException for malformed JSON, a non-object body or a member of the wrong JSON type.
Value parse_input(const RouteMatch& match, const http::Request& request);

// Checks every constraint of the input shape (required, length, count, range, pattern, enum).
// Throws the operation's modeled validation error naming each offending member.
void validate_input(const Operation& op, const Value& input);

// The output body: only members declared by the shape, absent ones omitted, timestamps as epoch
// seconds. `output` may be null (no output shape): "{}". In strict mode, an output that does not
// match its shape (see output_problems) throws std::logic_error instead of being trimmed silently.
std::string serialize_output(const Shape* output, const Value& value);

// Where `value` departs from the shape, one line each ("Summary.Foo: not in the model"): members the
// shape does not declare, required members missing, values of the wrong kind, strings outside an
// enum. Empty when the output matches.
std::vector<std::string> output_problems(const Shape* output, const Value& value);
// Strict output for test builds: a domain output the model cannot carry is a bug, not data to drop.
void set_strict_output(bool strict);

// The single error form: model status, x-amzn-ErrorType, {"Message": ..., extra members}.
http::Response error_response(const Model& model, const AwsError& error);

}  // namespace cl::protocol
