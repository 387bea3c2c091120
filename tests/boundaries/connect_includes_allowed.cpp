// Must compile: the modules the domain links, so the failures of the other probes are the boundary's.
#include "common/value.hpp"
#include "connect/service.hpp"
#include "inventory/inventory.hpp"
#include "store/store.hpp"
