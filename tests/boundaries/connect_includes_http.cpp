// Must not compile: the domain does not link the HTTP module.
#include "http/message.hpp"
