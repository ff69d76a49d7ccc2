#pragma once
// A `vlsi serve` child process for the end-to-end serve tests (its output in a
// log file; the URL read from its startup line; SIGTERM on destruction).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../cli/cli_runner.h"

extern char** environ;

namespace vlsi::test_support {

// A `vlsi serve` child process; its output goes to a log file.
struct ServerProcess {
  pid_t pid = -1;
  std::string log, url;

  ServerProcess(const std::vector<std::string>& args, const std::string& log_path) : log(log_path) {
    std::vector<std::string> argv{vlsi_bin(), "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    EXPECT_EQ(posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
  }
  // Waits for the "http://HOST:PORT/v1" line (the server listens by then).
  bool wait_for_url(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      std::string out = output();
      size_t at = out.find("http://");
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        url = out.substr(at, out.find(' ', at) - at);
        return true;
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::string output() const {
    std::ifstream f(log);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  // SIGTERM, then the exit status (-1 when it had to be killed).
  int terminate(double seconds) {
    if (pid < 0) return -1;
    ::kill(pid, SIGTERM);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    int status = 0;
    while (std::chrono::steady_clock::now() < end) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    pid = -1;
    return -1;
  }
  ~ServerProcess() {
    if (pid > 0) terminate(5);
  }
};

}  // namespace vlsi::test_support
