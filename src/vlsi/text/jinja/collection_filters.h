#pragma once
// The filters over sequences: first, last, join, list, items, map, select,
// reject, selectattr, rejectattr, reverse, sort. Attribute names may be
// dotted paths ("a.b", "items.0"), looked up as jinja2's make_attrgetter
// does (item first, then attribute). Results that jinja2 yields lazily
// (map, select, ...) are lists here; iterating them is the same.
#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

Value first_filter(const Value& v, CallArgs& a);
Value last_filter(const Value& v, CallArgs& a);
Value join_filter(const Value& v, CallArgs& a);
Value list_filter(const Value& v, CallArgs& a);
Value items_filter(const Value& v, CallArgs& a);
Value map_filter(const Value& v, CallArgs& a);
Value select_filter(const Value& v, CallArgs& a);
Value reject_filter(const Value& v, CallArgs& a);
Value selectattr_filter(const Value& v, CallArgs& a);
Value rejectattr_filter(const Value& v, CallArgs& a);
Value reverse_filter(const Value& v, CallArgs& a);
Value sort_filter(const Value& v, CallArgs& a);

}  // namespace vlsi::text::jinja
