#pragma once
// CLI11 2.1 converts numeric flags with strtoll/strtoull and no range check:
// "--steps 99999999999999999999" saturates, "--seed -1" wraps to 2^64-1,
// "--lr 1e400" becomes inf. This adds a check to every integer and float
// option of the app and its subcommands, so such a value is refused with one
// line naming the flag and what it expected.
#include <CLI/CLI.hpp>

namespace vlsi::cli {

// Call once every command is registered (before parsing).
void require_strict_numbers(CLI::App& app);

}  // namespace vlsi::cli
