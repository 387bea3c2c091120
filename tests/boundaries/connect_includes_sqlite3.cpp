// Must not compile: SQLite is the backend's business.
#include <sqlite3.h>
