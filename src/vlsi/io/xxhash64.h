#pragma once
// XXH64 (Yann Collet's xxHash, 64-bit variant, spec: github.com/Cyan4973/xxHash
// doc/xxhash_spec.md): a fast non-cryptographic checksum for checkpoint manifests.
// Written here rather than linked (Debian's libxxhash-dev) because the whole
// algorithm is ~80 lines and one less build dependency keeps every install path
// (make, the GPU check's unpacked packages) unchanged; tests check it against
// the reference test vectors and, when present, Debian's libxxhash.so.0.
#include <cstddef>
#include <cstdint>
#include <string>

namespace vlsi::io {

// Streaming XXH64: update() any number of times, then digest() (which does not
// change the state, so it may be called again after more update()s).
class Xxh64 {
 public:
  explicit Xxh64(uint64_t seed = 0);
  void update(const void* data, size_t size);
  uint64_t digest() const;

 private:
  uint64_t acc_[4];
  uint64_t seed_;
  uint64_t total_ = 0;
  unsigned char buf_[32];
  size_t buffered_ = 0;
};

uint64_t xxh64(const void* data, size_t size, uint64_t seed = 0);

// 16 lowercase hex digits, as xxhsum prints them.
std::string xxh64_hex(uint64_t hash);

}  // namespace vlsi::io
