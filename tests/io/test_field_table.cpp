// io::FieldTable (issue 13): one row per config option gives the defaults
// object, writing, and reading with one-line errors naming the field.
#include <gtest/gtest.h>

#include "vlsi/io/error.h"
#include "vlsi/io/field_table.h"

using namespace vlsi;

namespace field_table_tests {

enum class Mode { Fast, Careful };
const char* mode_name(Mode m) { return m == Mode::Fast ? "fast" : "careful"; }
Mode mode_from_name(const std::string& name, const std::string& where) {
  if (name == "fast") return Mode::Fast;
  if (name == "careful") return Mode::Careful;
  fail(where, ": expected \"fast\" or \"careful\", got \"", name, "\"");
}

struct Options {
  int64_t steps = 10;
  double rate = 0.5;
  bool verbose = false;
  std::vector<std::string> parts = {"a", "b"};
  Mode mode = Mode::Careful;
  uint64_t seed = 3;

  static const io::FieldTable<Options>& fields() {
    static const auto table = io::FieldTable<Options>()
                                  .field("steps", &Options::steps)
                                  .field("rate", &Options::rate)
                                  .field("verbose", &Options::verbose)
                                  .field("parts", &Options::parts)
                                  .named("mode", &Options::mode, mode_name, mode_from_name)
                                  .field("seed", &Options::seed);
    return table;
  }
};

std::string error_of(const io::json& j) {
  try {
    Options::fields().from_json(j, "run.json: opts");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FieldTable, DefaultsComeFromTheStruct) {
  auto d = Options::fields().to_json(Options{});
  EXPECT_EQ(d, (io::json{{"steps", 10}, {"rate", 0.5}, {"verbose", false}, {"parts", {"a", "b"}},
                          {"mode", "careful"}, {"seed", 3}}));
  EXPECT_EQ(Options::fields().names(), (std::vector<std::string>{"steps", "rate", "verbose", "parts", "mode", "seed"}));
}

TEST(FieldTable, ReadsASubsetAndRoundTrips) {
  auto o = Options::fields().from_json({{"steps", 7}, {"mode", "fast"}}, "x");
  EXPECT_EQ(o.steps, 7);
  EXPECT_EQ(o.mode, Mode::Fast);
  EXPECT_EQ(o.rate, 0.5);
  auto again = Options::fields().from_json(Options::fields().to_json(o), "x");
  EXPECT_EQ(Options::fields().to_json(again), Options::fields().to_json(o));
  // Other defaults (a step's own) fill what the file leaves out.
  Options other;
  other.rate = 0.25;
  EXPECT_EQ(Options::fields().from_json(io::json::object(), "x", other).rate, 0.25);
}

TEST(FieldTable, ErrorsNameTheField) {
  EXPECT_NE(error_of({{"stepz", 1}}).find("stepz"), std::string::npos);
  EXPECT_NE(error_of({{"steps", "many"}}).find("run.json: opts"), std::string::npos);
  EXPECT_NE(error_of({{"steps", "many"}}).find("steps"), std::string::npos);
  EXPECT_EQ(error_of({{"mode", "slow"}}), "run.json: opts: field 'mode': expected \"fast\" or \"careful\", got \"slow\"");
  EXPECT_NE(error_of({{"seed", -1}}).find("seed"), std::string::npos);
}

}  // namespace field_table_tests
