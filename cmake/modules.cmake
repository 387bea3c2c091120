# Module include boundaries. Each library's public include root is a generated directory under the
# build tree that exposes only that module's headers (a symlink <root>/<module> -> src/<module>), so
# a module sees the headers of exactly the modules it links: including anything else does not compile.
set(CL_INCLUDE_ROOTS ${PROJECT_BINARY_DIR}/include-roots)

# cl_module_include(<target> <module> [INTERFACE]): <target>'s headers are src/<module>/* (module may be
# a subfolder such as store/sqlite).
function(cl_module_include target module)
  string(REPLACE "/" "_" name ${module})
  set(root ${CL_INCLUDE_ROOTS}/${name})
  get_filename_component(parent ${root}/${module} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${module} ${root}/${module} SYMBOLIC)
  set(scope PUBLIC)
  if(ARGV2 STREQUAL "INTERFACE")
    set(scope INTERFACE)
  endif()
  target_include_directories(${target} ${scope} ${root})
endfunction()

# cl_module_headers(<target> <scope> <dir> <headers...>): a root exposing only the named headers of
# src/<dir> (store/ holds the interface beside its backends' folders, which stay hidden).
function(cl_module_headers target scope dir)
  set(root ${CL_INCLUDE_ROOTS}/${dir}-headers)
  file(MAKE_DIRECTORY ${root}/${dir})
  foreach(h ${ARGN})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${dir}/${h} ${root}/${dir}/${h} SYMBOLIC)
  endforeach()
  target_include_directories(${target} ${scope} ${root})
endfunction()

# cl_forbid_system_headers(<target>): the target's own sources cannot include Beast, Asio, RapidJSON
# or SQLite, which sit in /usr/include beside everything else: a private include directory placed
# first shadows each of their headers with one that stops the compilation.
function(cl_forbid_system_headers target)
  set(root ${CL_INCLUDE_ROOTS}/forbidden)
  if(NOT EXISTS ${root}/.done)
    find_path(CL_RAPIDJSON_INCLUDE_DIR rapidjson/document.h)
    find_path(CL_SQLITE3_INCLUDE_DIR sqlite3.h)
    set(headers)
    foreach(base ${Boost_INCLUDE_DIRS})
      file(GLOB_RECURSE found RELATIVE ${base} ${base}/boost/beast/* ${base}/boost/asio/*)
      list(APPEND headers ${found} boost/beast.hpp boost/asio.hpp)
    endforeach()
    file(GLOB_RECURSE found RELATIVE ${CL_RAPIDJSON_INCLUDE_DIR} ${CL_RAPIDJSON_INCLUDE_DIR}/rapidjson/*)
    list(APPEND headers ${found} sqlite3.h libpq-fe.h)
    foreach(h ${headers})
      file(WRITE ${root}/${h} "#error \"${h} is forbidden in this module (DESIGN.md: the domain is plain C++)\"\n")
    endforeach()
    file(WRITE ${root}/.done "")
  endif()
  target_include_directories(${target} BEFORE PRIVATE ${root})
endfunction()
