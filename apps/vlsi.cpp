// The one vlsi binary: every subcommand is registered from src/vlsi/cli/.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "vlsi/cli/commands.h"
#include "vlsi/cli/strict_numbers.h"
#include "vlsi/io/error.h"
#include "vlsi/io/malloc_tuning.h"

namespace {
// OpenMP threads that busy-wait between parallel regions thrash when another
// thread (the data prefetcher) shares a small machine: measured 7x slower
// training on 2 cores. libgomp reads OMP_WAIT_POLICY when it is loaded, before
// main, so the binary sets it and re-executes itself once.
void ensure_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", argv);  // on failure, carry on with the default policy
}
}  // namespace

int main(int argc, char** argv) {
  ensure_passive_openmp(argv);
  vlsi::io::keep_freed_memory_for_reuse();
  CLI::App app{"vlsi: distill a large vision-language model into a small one (VLsI), then run, inspect and evaluate it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "vlsi 0.1.0 (libtorch " TORCH_VERSION ")");
  // REGISTER: one line per command group (keep sorted by pipeline order).
  vlsi::cli::register_tokenizer_commands(app);
  vlsi::cli::register_data_commands(app);
  vlsi::cli::register_model_commands(app);
  vlsi::cli::register_train_commands(app);
  vlsi::cli::register_distill_command(app);
  vlsi::cli::register_ablate_command(app);
  vlsi::cli::register_lora_commands(app);
  vlsi::cli::register_eval_commands(app);
  vlsi::cli::register_generate_commands(app);
  vlsi::cli::register_forward_command(app);
  vlsi::cli::register_demo_command(app);
  vlsi::cli::register_report_command(app);
  vlsi::cli::register_serve_command(app);
  vlsi::cli::require_strict_numbers(app);  // after every REGISTER line: it checks their numeric flags
  // Flag errors in the same one-line form as every other error.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "error: " + std::string(e.what()) + " (see --help)\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const vlsi::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
