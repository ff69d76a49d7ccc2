// The one vlsi binary: every subcommand is registered from src/vlsi/cli/.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "vlsi/cli/commands.h"
#include "vlsi/io/error.h"

int main(int argc, char** argv) {
  CLI::App app{"vlsi: distill a large vision-language model into a small one (VLsI), then run, inspect and evaluate it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "vlsi 0.1.0 (libtorch " TORCH_VERSION ")");
  // REGISTER: one line per command group (keep sorted by pipeline order).
  vlsi::cli::register_tokenizer_commands(app);
  vlsi::cli::register_data_commands(app);
  vlsi::cli::register_model_commands(app);
  vlsi::cli::register_train_commands(app);
  vlsi::cli::register_eval_commands(app);
  vlsi::cli::register_demo_command(app);
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
