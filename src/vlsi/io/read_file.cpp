#include "vlsi/io/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "vlsi/io/error.h"

namespace vlsi::io {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

void refuse_size(const std::string& path, int64_t size, int64_t max_bytes) {
  fail(path, ": file has ", size, " bytes or more, over the limit of ", max_bytes, " bytes (raise it with ",
       limits::kFileBytes.env, "=N)");
}

}  // namespace

int open_regular_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of
  // waiting; the descriptor is switched back to blocking for a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    fail(path, ": cannot read (", err == ENOENT ? "no such file" : std::strerror(err), ")");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    fail(path, ": cannot read (", std::strerror(err), ")");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, ": cannot read (", kind_of(st.st_mode), ", expected a regular file)");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

UniqueFile open_regular_stream(const std::string& path) {
  const int fd = open_regular_file(path);
  std::FILE* f = ::fdopen(fd, "rb");
  if (!f) {
    const int err = errno;
    ::close(fd);
    fail(path, ": cannot read (", std::strerror(err), ")");
  }
  return UniqueFile(f, &std::fclose);
}

std::string read_file(const std::string& path) { return read_file(path, limit_value(limits::kFileBytes)); }

std::string read_file(const std::string& path, int64_t max_bytes) {
  const int fd = open_regular_file(path);
  std::string out;
  try {
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
      if (st.st_size > max_bytes) refuse_size(path, st.st_size, max_bytes);
      out.reserve(size_t(st.st_size));
    }
    // Reads until end of file, not st_size bytes: files under /proc report 0
    // and may be longer than any limit, so the limit is checked as bytes come.
    char buf[1 << 16];
    while (true) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        fail(path, ": cannot read (", std::strerror(errno), ")");
      }
      if (int64_t(out.size()) + n > max_bytes) refuse_size(path, int64_t(out.size()) + n, max_bytes);
      out.append(buf, size_t(n));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return out;
}

bool file_exists(const std::string& path) {
  std::error_code ec;  // a symlink loop or a permission problem: not there, no exception
  return std::filesystem::exists(path, ec);
}

}  // namespace vlsi::io
