#pragma once
// jinja2's filters used by chat templates ("x | name(args)"): length/count,
// trim, tojson (transformers' version: json.dumps with ensure_ascii=False),
// first, last, join, default/d, upper, lower, capitalize, title, replace,
// string, int, float, list, items, map, select, reject, selectattr,
// rejectattr, reverse, sort, indent, escape/e, safe, attr, abs.
#include <string>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

bool is_known_filter(const std::string& name);
// Failure for an unknown filter or bad arguments.
Value apply_filter(const std::string& name, const Value& input, CallArgs& args);

}  // namespace vlsi::text::jinja
