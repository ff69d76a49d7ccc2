#include "vlsi/cli/strict_numbers.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace vlsi::cli {
namespace {

// What is wrong with `text` as the option's number ("" when it is fine).
std::string signed_problem(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  std::strtoll(text.c_str(), &end, 0);
  if (text.empty() || *end != '\0') return "expected an integer, got '" + text + "'";
  if (errno == ERANGE) return "expected an integer in [-9223372036854775808, 9223372036854775807], got " + text;
  return "";
}

std::string unsigned_problem(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first != std::string::npos && text[first] == '-')
    return "expected a non-negative integer, got " + text;  // strtoull would wrap it
  errno = 0;
  char* end = nullptr;
  std::strtoull(text.c_str(), &end, 0);
  if (text.empty() || *end != '\0') return "expected a non-negative integer, got '" + text + "'";
  if (errno == ERANGE) return "expected an integer in [0, 18446744073709551615], got " + text;
  return "";
}

std::string float_problem(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') return "expected a number, got '" + text + "'";
  if (!std::isfinite(v) || errno == ERANGE) return "expected a finite number, got " + text;
  return "";
}

// The option's value type as CLI11 names it, without validator descriptions.
std::string base_type(const CLI::Option* o) {
  std::string t = o->get_type_name();
  return t.substr(0, t.find(':'));
}

void add_checks(CLI::App* app) {
  for (CLI::Option* o : app->get_options()) {
    const std::string type = base_type(o);
    std::string (*problem)(const std::string&) = nullptr;
    if (type == "INT") problem = signed_problem;
    else if (type == "UINT") problem = unsigned_problem;
    else if (type == "FLOAT") problem = float_problem;
    if (!problem) continue;
    // Empty description: --help keeps showing "INT", not "INT:<check>".
    o->check(CLI::Validator([problem](std::string& v) { return problem(v); }, ""));
  }
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) add_checks(sub);
}

}  // namespace

void require_strict_numbers(CLI::App& app) { add_checks(&app); }

}  // namespace vlsi::cli
