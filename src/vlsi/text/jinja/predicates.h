#pragma once
// jinja2's tests, the right-hand side of "x is name(args)": defined,
// undefined, none, boolean, true, false, integer, float, number, string,
// mapping, iterable, sequence, callable, sameas, lower, upper, odd, even,
// divisibleby, eq/equalto/==, ne/!=, lt/</lessthan, le/<=, gt/>/greaterthan,
// ge/>=, in.
#include <string>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

bool is_known_test(const std::string& name);
// Failure for an unknown test or bad arguments.
bool apply_test(const std::string& name, const Value& v, CallArgs& args);

}  // namespace vlsi::text::jinja
