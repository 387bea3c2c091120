// Must not compile: no JSON library in the domain.
#include <rapidjson/document.h>
