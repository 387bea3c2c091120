// Must not compile: the inventory links no other module.
#include "common/value.hpp"
