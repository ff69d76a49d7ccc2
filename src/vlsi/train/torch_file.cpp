#include "vlsi/train/torch_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"

namespace vlsi::train {

std::string error_line(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10 ? c10->what_without_backtrace() : e.what();
  size_t nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

void save_torch_file(const std::string& path, const std::function<void(const TorchWriter&)>& save) {
  io::write_file_atomic_with(path, [&](std::FILE* f) {
    int err = 0;
    // Never report a short write to libtorch: its stream writer would throw from a
    // destructor. Remember the first error and fail after it returns.
    TorchWriter writer = [&](const void* data, size_t n) -> size_t {
      if (err == 0 && n > 0 && std::fwrite(data, 1, n, f) != n) err = errno ? errno : EIO;
      return n;
    };
    try {
      save(writer);
    } catch (const c10::Error& e) {
      fail(path, ": cannot serialize (", error_line(e), ")");
    }
    if (err != 0) fail(path, ": write failed (", std::strerror(err), ")");
  });
}

void load_torch_file(const std::string& path, const std::function<void()>& load) {
  check(io::file_exists(path), path, ": missing");
  try {
    load();
  } catch (const c10::Error& e) {
    fail(path, ": cannot load (", error_line(e), ")");
  }
}

}  // namespace vlsi::train
