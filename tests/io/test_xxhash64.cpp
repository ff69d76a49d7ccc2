// XXH64 against the reference test vectors and, where Debian's libxxhash.so.0
// is installed, against the reference implementation on many lengths and seeds.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "vlsi/io/xxhash64.h"

using namespace vlsi;

TEST(Xxh64, ReferenceVectors) {
  EXPECT_EQ(io::xxh64_hex(io::xxh64("", 0)), "ef46db3751d8e999");
  EXPECT_EQ(io::xxh64_hex(io::xxh64("a", 1)), "d24ec4f1a98c6e5b");
  EXPECT_EQ(io::xxh64_hex(io::xxh64("abc", 3)), "44bc2cf5ad770999");
  const std::string spam = "Nobody inspects the spammish repetition";  // python-xxhash's README example
  EXPECT_EQ(io::xxh64_hex(io::xxh64(spam.data(), spam.size())), "fbcea83c8a378bf1");
}

TEST(Xxh64, StreamingEqualsOneShotAtEveryChunking) {
  std::mt19937_64 rng(5);
  std::vector<unsigned char> data(777);
  for (auto& c : data) c = static_cast<unsigned char>(rng());
  for (size_t n : {0, 1, 31, 32, 33, 63, 64, 100, 777}) {
    const uint64_t want = io::xxh64(data.data(), n, 42);
    for (size_t chunk : {1, 3, 8, 31, 32, 50}) {
      io::Xxh64 h(42);
      for (size_t i = 0; i < n; i += chunk) h.update(data.data() + i, std::min(chunk, n - i));
      EXPECT_EQ(h.digest(), want) << "n " << n << " chunk " << chunk;
    }
  }
}

TEST(Xxh64, MatchesDebiansLibxxhash) {
  void* lib = ::dlopen("libxxhash.so.0", RTLD_NOW);
  if (lib == nullptr) GTEST_SKIP() << "libxxhash.so.0 not installed (Debian package libxxhash0)";
  using Ref = unsigned long long (*)(const void*, size_t, unsigned long long);
  auto ref = reinterpret_cast<Ref>(::dlsym(lib, "XXH64"));
  ASSERT_NE(ref, nullptr);
  std::mt19937_64 rng(9);
  std::vector<unsigned char> data(4096);
  for (auto& c : data) c = static_cast<unsigned char>(rng());
  for (size_t n = 0; n < data.size(); n += n < 80 ? 1 : 53)
    for (unsigned long long seed : {0ULL, 1ULL, 0x9E3779B97F4A7C15ULL})
      ASSERT_EQ(io::xxh64(data.data(), n, seed), ref(data.data(), n, seed)) << "n " << n << " seed " << seed;
  ::dlclose(lib);
}
