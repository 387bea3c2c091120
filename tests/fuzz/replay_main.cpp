// Without libFuzzer: replays every seed in the corpus folders given on the command line, then a
// fixed number of deterministic mutations of each, so the regular test run exercises the target.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i)
    for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
      std::ifstream f(entry.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      seeds.push_back(ss.str());
    }
  if (seeds.empty()) {
    std::fprintf(stderr, "no seeds found\n");
    return 1;
  }
  std::mt19937 rng(12345);
  size_t runs = 0;
  for (const auto& seed : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(seed.data()), seed.size());
    ++runs;
    for (int m = 0; m < 2000; ++m) {
      std::string s = seed;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        if (s.empty()) s.push_back('x');
        size_t at = rng() % s.size();
        switch (rng() % 4) {
          case 0: s[at] = static_cast<char>(rng()); break;
          case 1: s.erase(at, 1 + rng() % 8); break;
          case 2: s.insert(at, 1 + rng() % 4, static_cast<char>("{}[]\":,%/\\\n 0"[rng() % 14])); break;
          case 3: s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 16)); break;
        }
      }
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
      ++runs;
    }
  }
  std::printf("%zu inputs, no crash\n", runs);
  return 0;
}
