#pragma once
// One declaration per config option: the struct member carries the default
// (its initializer) and the comment; one FieldTable row names it for JSON. From
// the table come the defaults object (what --print-config shows and what
// io::merge_with_defaults checks spellings against), writing a struct to JSON,
// and reading one back with typed, one-line errors naming the field. Checks
// that involve several fields stay in the struct's validate().
//
//   const io::FieldTable<TrainerConfig>& TrainerConfig::fields() {
//     static const auto table = io::FieldTable<TrainerConfig>()
//         .field("max_steps", &TrainerConfig::max_steps)
//         .named("form", &VerbalizerOptions::form, verbalizer_form_name, verbalizer_form_from_name);
//     return table;
//   }
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "vlsi/io/json_util.h"

namespace vlsi::io {

template <typename S>
class FieldTable {
 public:
  // A member stored as its JSON value (numbers, bools, strings, lists of them).
  template <typename V>
  FieldTable field(const char* name, V S::*member) const {
    FieldTable t = *this;
    t.rows_.push_back({name, [member, name](const S& s, json& j) { j[name] = s.*member; },
                       [member, name](S& s, const json& j, const std::string& where) {
                         s.*member = get_field<V>(j, name, where);
                       }});
    return t;
  }

  // An enum member stored by name: `to_name(value)` and `from_name(text, where)`,
  // which fails with a one-line error for an unknown name.
  template <typename E, typename ToName, typename FromName>
  FieldTable named(const char* name, E S::*member, ToName to_name, FromName from_name) const {
    FieldTable t = *this;
    t.rows_.push_back({name, [member, name, to_name](const S& s, json& j) { j[name] = std::string(to_name(s.*member)); },
                       [member, name, from_name](S& s, const json& j, const std::string& where) {
                         s.*member = from_name(get_field<std::string>(j, name, where),
                                               where + ": field '" + name + "'");
                       }});
    return t;
  }

  json to_json(const S& s) const {
    json j = json::object();
    for (const auto& r : rows_) r.write(s, j);
    return j;
  }

  // Fills what `in` leaves out from `defaults`, refuses keys the table does not
  // name, and reads every row.
  S from_json(const json& in, const std::string& where, const S& defaults = S{}) const {
    const json j = merge_with_defaults(to_json(defaults), in, where);
    S s = defaults;
    for (const auto& r : rows_) r.read(s, j, where);
    return s;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& r : rows_) n.push_back(r.name);
    return n;
  }

 private:
  struct Row {
    std::string name;
    std::function<void(const S&, json&)> write;
    std::function<void(S&, const json&, const std::string&)> read;
  };
  std::vector<Row> rows_;
};

}  // namespace vlsi::io
