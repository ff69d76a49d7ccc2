#include "vlsi/io/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <unistd.h>

#include "vlsi/io/error.h"

namespace vlsi::io {
namespace fs = std::filesystem;

void make_dirs(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  fs::create_directories(path, ec);
  check(!ec && fs::is_directory(path), path, ": cannot create folder (", ec.message(), ")");
}

void write_file_atomic_with(const std::string& path, const std::function<void(std::FILE*)>& writer) {
  fs::path target(path);
  if (target.has_parent_path()) make_dirs(target.parent_path().string());
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  check(f != nullptr, tmp, ": cannot open for writing (", std::strerror(errno), ")");
  try {
    writer(f);
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  bool ok = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    fail(path, ": write failed (", std::strerror(err), ")");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    fail(path, ": cannot rename temporary file into place (", std::strerror(err), ")");
  }
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  write_file_atomic_with(path, [&](std::FILE* f) {
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size())
      fail(path, ": short write (", std::strerror(errno), ")");
  });
}

void append_line(const std::string& path, const std::string& line) {
  fs::path target(path);
  if (target.has_parent_path()) make_dirs(target.parent_path().string());
  std::FILE* f = std::fopen(path.c_str(), "ab");
  check(f != nullptr, path, ": cannot open for appending (", std::strerror(errno), ")");
  bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size() && std::fputc('\n', f) != EOF &&
            std::fflush(f) == 0;
  int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) fail(path, ": append failed (", std::strerror(err ? err : EIO), ")");
}

void sync_folder(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace vlsi::io
