#pragma once
// A small, fully specified random generator (SplitMix64), so shuffles and the
// generated benchmark are bit-identical across compilers and standard
// libraries (std::shuffle and std::uniform_int_distribution are not).
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace vlsi::data {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  // A seed derived from several values: independent streams per (seed, epoch), etc.
  static uint64_t mix(std::initializer_list<uint64_t> parts) {
    uint64_t h = 0x6a09e667f3bcc909ULL;
    for (uint64_t p : parts) {
      Rng r(h ^ p);
      h = r.next() + 0x9e3779b97f4a7c15ULL;
    }
    return h;
  }

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n > 0); Lemire's multiply-shift, bias below 2^-32 for small n.
  uint64_t below(uint64_t n) { return uint64_t((static_cast<unsigned __int128>(next()) * n) >> 64); }
  // Uniform integer in [lo, hi].
  int range(int lo, int hi) { return lo + int(below(uint64_t(hi - lo + 1))); }
  // Uniform double in [0, 1).
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool coin() { return (next() >> 63) != 0; }

  // Fisher-Yates, spelled out so the permutation is the same everywhere.
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  uint64_t state_;
};

}  // namespace vlsi::data
