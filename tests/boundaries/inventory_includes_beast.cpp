// Must not compile: no HTTP stack in the inventory.
#include <boost/beast/http.hpp>
