#pragma once
// The process-wide SQLite settings the store relies on.
namespace cl::store {

// Applies them once, before anything initialises SQLite (opening a connection or looking up a VFS
// does): no memory statistics (they take a global mutex on every allocation) and no per-connection
// mutexes (each connection is used by one thread at a time). Throws StoreFailure when SQLite was
// initialised first and so runs without them.
void configure_sqlite_once();

}  // namespace cl::store
