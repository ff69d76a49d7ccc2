#pragma once
// The global functions of transformers' chat template environment: jinja2's
// range, dict and namespace, plus transformers' raise_exception(message)
// and strftime_now(format).
#include <string>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

// The global `name`, or nullptr.
const Value* find_builtin(const std::string& name);

}  // namespace vlsi::text::jinja
