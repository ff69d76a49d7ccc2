#pragma once
// Runs the vlsi binary (path from $VLSI_BIN, set by ctest) and captures its
// exit code (128 + N when killed by signal N) and combined output.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace vlsi::test_support {

struct CliResult {
  int code = -1;
  std::string output;
};

inline std::string vlsi_bin() {
  const char* b = std::getenv("VLSI_BIN");
  return b ? b : std::string(VLSI_BINARY_DIR) + "/vlsi";
}

// Runs a shell command line (stderr joined to stdout).
inline CliResult run_shell(const std::string& command) {
  CliResult r;
  std::string cmd = command + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  // A signal is reported as the shell does (128 + signal), whether or not sh exec'd the binary.
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  return r;
}

// `shell_prefix` goes before the binary in the shell command (e.g. "VAR=x" or "ulimit -f 64;").
inline CliResult run_cli_env(const std::string& shell_prefix, const std::string& args) {
  return run_shell(shell_prefix + " " + vlsi_bin() + " " + args);
}
inline CliResult run_cli(const std::string& args) { return run_shell(vlsi_bin() + " " + args); }

// The last non-empty line of the output.
inline std::string last_line(const std::string& out) {
  size_t end = out.find_last_not_of('\n');
  if (end == std::string::npos) return "";
  size_t start = out.rfind('\n', end);
  return out.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// How many times `part` occurs in `text` (overlapping occurrences counted).
inline size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t p = text.find(part); p != std::string::npos; p = text.find(part, p + 1)) ++n;
  return n;
}

}  // namespace vlsi::test_support
