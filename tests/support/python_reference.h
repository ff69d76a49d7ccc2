#pragma once
// The Python interpreter that holds the pinned reference libraries (torch,
// transformers, tokenizers, peft, Pillow from requirements/test.txt):
// .venv/bin/python by default, set at configure time with -DVLSI_PYTHON=...
// A test that needs it and cannot run it fails; it never skips.
#include <string>

namespace vlsi::test_python {

inline std::string interpreter() { return VLSI_PYTHON; }

// "PYTHON 'script' " ready for arguments; the script path is relative to the source tree.
inline std::string command(const std::string& script_in_source_tree) {
  return std::string("'") + VLSI_PYTHON + "' '" + VLSI_SOURCE_DIR + "/" + script_in_source_tree + "' ";
}

// What to tell the user when a reference script fails to start.
inline std::string missing_hint() {
  return std::string("the Python references need ") + VLSI_PYTHON +
         " with requirements/test.txt (bash scripts/install-deps.sh --test installs them)";
}

}  // namespace vlsi::test_python
