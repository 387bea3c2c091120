#pragma once
#include <cstdint>

namespace cl::inventory {

// Powers of ten up to 10^15: subscriber-number arithmetic over a block's free digits.
inline constexpr uint64_t kPow10[] = {1ull,
                                      10ull,
                                      100ull,
                                      1000ull,
                                      10000ull,
                                      100000ull,
                                      1000000ull,
                                      10000000ull,
                                      100000000ull,
                                      1000000000ull,
                                      10000000000ull,
                                      100000000000ull,
                                      1000000000000ull,
                                      10000000000000ull,
                                      100000000000000ull,
                                      1000000000000000ull};

}  // namespace cl::inventory
