#pragma once
// Variable scopes. Jinja gives every for-loop iteration, macro call, with
// block and generation block a scope of its own whose parent is the
// enclosing one: {% set %} inside them is invisible outside (hence
// namespace()), while {% if %} bodies share their enclosing scope.
#include <memory>
#include <string>
#include <unordered_map>

#include "vlsi/text/jinja/value.h"

namespace vlsi::text::jinja {

struct Scope {
  explicit Scope(std::shared_ptr<Scope> enclosing = nullptr) : parent(std::move(enclosing)) {}

  const Value* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent.get()) {
      const auto it = s->vars.find(name);
      if (it != s->vars.end()) return &it->second;
    }
    return nullptr;
  }

  std::shared_ptr<Scope> parent;
  std::unordered_map<std::string, Value> vars;
};

using ScopePtr = std::shared_ptr<Scope>;

}  // namespace vlsi::text::jinja
