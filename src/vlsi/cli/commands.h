#pragma once
// Each subcommand group lives in its own file under src/vlsi/cli/ and exposes
// one register function; apps/vlsi.cpp calls them all. Subcommands only parse
// flags and call into the library.
#include <CLI/CLI.hpp>

namespace vlsi::cli {

void register_tokenizer_commands(CLI::App& app);  // vlsi tokenizer encode|decode|train
void register_data_commands(CLI::App& app);       // vlsi data shapes|check
void register_model_commands(CLI::App& app);      // vlsi model init|info
void register_train_commands(CLI::App& app);      // vlsi train sft|verbalize|interact|reinforce|kd
void register_distill_command(CLI::App& app);     // vlsi distill
void register_ablate_command(CLI::App& app);      // vlsi ablate
void register_lora_commands(CLI::App& app);       // vlsi lora merge
void register_eval_commands(CLI::App& app);       // vlsi eval
void register_generate_commands(CLI::App& app);   // vlsi generate|chat|verbalize
void register_forward_command(CLI::App& app);     // vlsi forward
void register_demo_command(CLI::App& app);        // vlsi demo
void register_report_command(CLI::App& app);      // vlsi report
void register_serve_command(CLI::App& app);       // vlsi serve

}  // namespace vlsi::cli
