#pragma once
// Files compiled into the binary (see cmake/embed_files.cmake); arrays end with {nullptr, nullptr}.
namespace cl {
struct EmbeddedFile {
  const char* name;
  const char* content;
};
}  // namespace cl
