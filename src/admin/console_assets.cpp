// The web console's files, compiled into the binary (cmake/embed_files.cmake): nothing is fetched
// at run time.
#include <string>

#include "admin/responses.hpp"
#include "common/embedded.hpp"

namespace cl {
extern const EmbeddedFile kConsoleAssets[];
}

namespace cl::admin {

namespace {

const char* content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

// `path` is what follows /console: "", "/" or "/<file>".
http::Response console_asset(std::string_view path) {
  std::string_view name = path;
  if (name.empty() || name == "/") name = "/index.html";
  name.remove_prefix(1);
  for (const EmbeddedFile* f = kConsoleAssets; f->name; ++f) {
    if (name != f->name) continue;
    http::Response r;
    r.body = f->content;
    r.set_header("Content-Type", content_type(name));
    // Own files only, no framing by other sites, no guessing of types.
    r.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    r.set_header("X-Frame-Options", "DENY");
    r.set_header("X-Content-Type-Options", "nosniff");
    r.set_header("Referrer-Policy", "no-referrer");
    r.set_header("Cache-Control", "no-cache");
    return r;
  }
  return error(404, "no console file " + std::string(name.substr(0, 100)));
}

}  // namespace cl::admin
