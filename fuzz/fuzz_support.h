#pragma once
// Shared by the libFuzzer targets (fuzz/*.cpp, `make fuzz`): what counts as an
// expected rejection, and scratch files for the APIs that only take a path.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "vlsi/io/error.h"

namespace vlsi::fuzz {

// Runs `body`; a vlsi::Error is the expected answer to a bad input. Anything
// else (another exception, a sanitizer report) escapes and libFuzzer reports it.
template <typename F>
void expect_only_vlsi_errors(F&& body) {
  try {
    body();
  } catch (const vlsi::Error&) {
  }
}

// A property every accepted input must have; breaking it is a finding.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

// A folder of this process under $VLSI_FUZZ_SCRATCH (make fuzz removes it),
// else on tmpfs (/dev/shm, else /tmp): parallel fuzzing jobs never share files
// and nothing reaches the disk. Removed at a normal exit.
inline const std::string& scratch_dir() {
  namespace fs = std::filesystem;
  static const std::string* dir = [] {  // never destroyed: the atexit hook still reads it
    const char* env = std::getenv("VLSI_FUZZ_SCRATCH");
    const fs::path base = env && *env ? fs::path(env) : fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* d = new std::string((base / ("vlsi-fuzz-" + std::to_string(::getpid()))).string());
    fs::create_directories(*d);
    std::atexit([] { std::error_code ec; fs::remove_all(scratch_dir(), ec); });
    return d;
  }();
  return *dir;
}

// Writes `bytes` to `name` inside scratch_dir() and returns the path.
inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}
inline std::string write_scratch(const std::string& name, const std::string& bytes) {
  return write_scratch(name, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace vlsi::fuzz
