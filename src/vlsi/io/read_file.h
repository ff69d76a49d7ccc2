#pragma once
// Reading files that may come from strangers: only regular files are opened
// (a FIFO would block open() forever, /dev/zero never ends), and a whole-file
// read stops at a size limit instead of exhausting memory.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "vlsi/io/limits.h"

namespace vlsi::io {

// An open descriptor of a regular file (O_CLOEXEC, blocking reads); fails with
// one line naming `path` when it is missing, unreadable, a folder, a FIFO, a
// device or a socket. Opening never blocks.
int open_regular_file(const std::string& path);

using UniqueFile = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
// The same as a stdio stream ("rb").
UniqueFile open_regular_stream(const std::string& path);

// Reads a whole regular file of at most `max_bytes` (default: the file-size
// limit); fails with "PATH: cannot read (reason)" or a line naming the limit.
std::string read_file(const std::string& path);
std::string read_file(const std::string& path, int64_t max_bytes);

bool file_exists(const std::string& path);

}  // namespace vlsi::io
