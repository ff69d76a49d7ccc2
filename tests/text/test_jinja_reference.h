#pragma once
// Shared by the Jinja parity tests: renders cases with vlsi's ChatTemplate
// and with transformers (tests/text/ref_jinja.py, run once per batch), then
// compares text and {% generation %} spans exactly. A case where both sides
// fail agrees (the messages differ in wording); one failing alone does not.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "reference_support.h"
#include "vlsi/io/error.h"
#include "vlsi/text/jinja/chat_template_renderer.h"

namespace vlsi::text::testing {

struct JinjaCase {
  std::string label;
  std::string source;
  nlohmann::ordered_json context;  // must hold "messages"
};

struct JinjaResult {
  bool failed = false;
  std::string text;  // or the error message
  std::vector<std::pair<size_t, size_t>> spans;
};

inline JinjaResult render_with_vlsi(const JinjaCase& c) {
  JinjaResult r;
  try {
    auto rendered = jinja::ChatTemplate::parse(c.source, c.label).render(c.context);
    r.text = std::move(rendered.text);
    r.spans = std::move(rendered.generation_spans);
  } catch (const Error& e) {
    r.failed = true;
    r.text = e.what();
  }
  return r;
}

// Runs ref_jinja.py on every case at once; fails the test when it cannot run.
inline std::vector<JinjaResult> render_with_transformers(const std::vector<JinjaCase>& cases) {
  std::vector<JinjaResult> out;
  std::string err = ensure_reference();
  EXPECT_EQ(err, "") << "the reference libraries are required for this test: " << err;
  if (!err.empty()) return out;
  nlohmann::ordered_json input = {{"cases", nlohmann::ordered_json::array()}};
  for (const auto& c : cases) {
    nlohmann::ordered_json context = c.context;
    for (const char* name : {"tools", "documents"})  // what vlsi's render() adds as well
      if (!context.contains(name)) context[name] = nullptr;
    if (!context.contains("add_generation_prompt")) context["add_generation_prompt"] = false;
    input["cases"].push_back({{"template", c.source}, {"context", context}});
  }
  TempDir dir;
  std::ofstream(dir.path + "/in.json") << input.dump();
  const std::string cmd = test_python::command("tests/text/ref_jinja.py") + shell_quote(dir.path + "/in.json") + " " +
                          shell_quote(dir.path + "/out.json");
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  if (rc != 0) return out;
  std::ifstream f(dir.path + "/out.json");
  const auto ref = nlohmann::json::parse(f);
  for (const auto& r : ref) {
    JinjaResult res;
    if (r.contains("error")) {
      res.failed = true;
      res.text = r["error"].get<std::string>();
    } else {
      res.text = r["text"].get<std::string>();
      for (const auto& s : r["spans"]) res.spans.emplace_back(s[0].get<size_t>(), s[1].get<size_t>());
    }
    out.push_back(std::move(res));
  }
  EXPECT_EQ(out.size(), cases.size()) << "the reference answered a different number of cases";
  return out;
}

// Renders every case both ways and reports each disagreement; returns how
// many agreed. Unless `failures_expected`, a case must render on both sides.
inline size_t expect_same_as_transformers(const std::vector<JinjaCase>& cases, bool failures_expected = false) {
  const auto ref = render_with_transformers(cases);
  if (ref.size() != cases.size()) return 0;
  size_t agreed = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    const JinjaResult ours = render_with_vlsi(cases[k]);
    const std::string where = "case " + std::to_string(k) + " (" + cases[k].label + "): " + cases[k].source.substr(0, 200);
    if (ours.failed || ref[k].failed) {
      EXPECT_TRUE(failures_expected) << where << "\n  vlsi: " << ours.text << "\n  transformers: " << ref[k].text;
      EXPECT_EQ(ours.failed, ref[k].failed) << where << "\n  vlsi: " << ours.text << "\n  transformers: " << ref[k].text;
      agreed += ours.failed == ref[k].failed;
      continue;
    }
    EXPECT_EQ(ours.text, ref[k].text) << where;
    EXPECT_EQ(ours.spans, ref[k].spans) << where;
    agreed += ours.text == ref[k].text && ours.spans == ref[k].spans;
  }
  return agreed;
}

}  // namespace vlsi::text::testing
