#pragma once
// CORS as Amazon Connect's front end serves it: browsers on any origin may call the API (the SigV4
// signature, not the origin, is what authenticates), so preflights are answered without a
// signature and every API response carries the Access-Control-* headers. The admin API
// (/_connect-local/*, /metrics) is never opened to other origins: it gets none of this.
#include "http/message.hpp"

namespace cl::app::cors {

// Headers the AWS SDKs send from a browser; allowed when a preflight does not list its own.
inline constexpr const char* kDefaultAllowHeaders =
    "authorization,content-type,content-length,content-md5,host,x-amz-date,x-amz-security-token,x-amz-user-agent,"
    "x-amz-content-sha256,x-amz-target,x-amz-client-context,amz-sdk-invocation-id,amz-sdk-request,x-amzn-trace-id";
inline constexpr const char* kAllowMethods = "GET,HEAD,POST,PUT,DELETE,PATCH,OPTIONS";
// What a page may read from a response: the request id and the error code the SDKs parse, and
// Date, from which the JS SDK corrects its clock skew.
inline constexpr const char* kExposeHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";
inline constexpr const char* kMaxAgeSeconds = "86400";

// The answer to a preflight (OPTIONS) on an API route: 200, no body, no signature needed. The
// requested headers are echoed when they are a well-formed list of header names.
http::Response preflight(const http::Request& request);

// Adds the headers every API response carries, success or error.
void add_response_headers(http::Response& response);

}  // namespace cl::app::cors
