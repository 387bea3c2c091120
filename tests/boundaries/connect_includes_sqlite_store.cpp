// Must not compile: the domain does not link the SQLite backend.
#include "store/sqlite/sqlite_store.hpp"
