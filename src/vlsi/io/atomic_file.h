#pragma once
// Crash-safe file writes: data goes to a temporary file in the same folder,
// is flushed to disk, then renamed over the target, so a reader (or a resumed
// run) sees either the old file or the complete new one, never a torn write.
#include <cstdint>
#include <functional>
#include <string>

#include "vlsi/io/read_file.h"  // read_file, file_exists: most writers also read

namespace vlsi::io {

// Writes `bytes` to `path` atomically. Creates missing parent folders.
void write_file_atomic(const std::string& path, const std::string& bytes);

// Streams content through `writer` into a temp file, then renames it to `path`.
// The writer receives an open FILE* positioned at 0; returning normally commits.
void write_file_atomic_with(const std::string& path, const std::function<void(std::FILE*)>& writer);

// mkdir -p; fails with a one-line error if a component is not a folder.
void make_dirs(const std::string& path);

// Appends one line (a '\n' is added) and flushes, for JSONL metrics logs; a
// failed write (full disk) is an error naming the file.
void append_line(const std::string& path, const std::string& line);

// Flushes a folder's entries (files created or renamed in it) to disk, so a
// power loss cannot undo a rename that already happened. Best effort.
void sync_folder(const std::string& path);

}  // namespace vlsi::io
