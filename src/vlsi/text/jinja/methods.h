#pragma once
// Python methods a template may call on its data: str (strip, split,
// startswith, replace, upper, ...), dict (items, keys, values, get) and list
// (index, count). Mutating methods fail as in transformers' immutable
// sandbox.
#include <string>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

// The method `name` bound to `obj`, or an undefined value when it has none.
Value find_method(const Value& obj, const std::string& name);

}  // namespace vlsi::text::jinja
