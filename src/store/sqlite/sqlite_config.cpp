#include "store/sqlite/sqlite_config.hpp"

#include <sqlite3.h>

#include "store/store.hpp"

namespace cl::store {

void configure_sqlite_once() {
  static const bool configured = [] {
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK)
      throw StoreFailure("sqlite: initialised before the store could configure it");
    return true;
  }();
  (void)configured;
}

}  // namespace cl::store
