// VLMEvalKit TSVs: the table reader's quoting and errors, base64, and the
// benchmark loader's columns, images, kinds and prompts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>

#include "vlsi/data/image.h"
#include "vlsi/eval/benchmark_tsv.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/base64.h"
#include "vlsi/io/tsv_table.h"
#include "../support/error_message.h"
#include "../support/temp_dir.h"

namespace benchmark_tsv_test {
using namespace vlsi;
namespace fs = std::filesystem;

using test_messages::expect_one_line_error;
std::string temp_dir() { return test_dirs::scratch_dir("vlsi_tsv_"); }

std::string png_base64(int w, int h, uint8_t value) {
  return io::encode_base64(data::encode_png(data::Image(w, h, value)));
}

TEST(TsvTable, QuotedFieldsHoldTabsNewlinesAndQuotes) {
  const std::string text = "a\tb\tc\r\n\"x\ty\"\t\"line1\nline2\"\t\"say \"\"hi\"\"\"\n\n1\t\t3\n";
  io::TsvTable t = io::parse_tsv(text, "t.tsv");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "x\ty");
  EXPECT_EQ(t.rows[0][1], "line1\nline2");
  EXPECT_EQ(t.rows[0][2], "say \"hi\"");
  EXPECT_EQ(t.rows[1][1], "");
  EXPECT_EQ(t.lines[0], 2);
  EXPECT_EQ(t.lines[1], 5);  // the quoted newline and the blank line were counted
  // What format_tsv writes reads back the same (QUOTE_ALL, as VLMEvalKit dumps).
  io::TsvTable again = io::parse_tsv(io::format_tsv(t.columns, t.rows), "again.tsv");
  EXPECT_EQ(again.rows, t.rows);
}

TEST(TsvTable, BadRowsNameFileLineAndField) {
  expect_one_line_error([] { io::parse_tsv("a\tb\n1\t2\n3\n", "x.tsv"); }, "x.tsv:3: 1 fields, the header has 2");
  expect_one_line_error([] { io::parse_tsv("a\tb\n1\t\"open\n", "x.tsv"); }, "x.tsv:2: field 2: quote opened here");
  expect_one_line_error([] { io::parse_tsv("a\n\"q\"z\n", "x.tsv"); }, "x.tsv:2: field 1: text after the closing quote");
  expect_one_line_error([] { io::parse_tsv("a\ta\n", "x.tsv"); }, "column 'a' appears twice");
  expect_one_line_error([] { io::parse_tsv("", "x.tsv"); }, "empty table");
  ::setenv("VLSI_MAX_TSV_FIELD_BYTES", "4", 1);
  const std::string big = test_messages::error_of([] { io::parse_tsv("a\n12345\n", "x.tsv"); });
  ::unsetenv("VLSI_MAX_TSV_FIELD_BYTES");
  EXPECT_NE(big.find("x.tsv:2: field 1 is longer than allowed (limit 4; raise it with VLSI_MAX_TSV_FIELD_BYTES=N)"),
            std::string::npos)
      << big;
}

TEST(TsvTable, PandasMissingValues) {
  for (const char* na : {"", "NaN", "nan", "None", "NA", "null"}) EXPECT_TRUE(io::is_missing_field(na)) << na;
  EXPECT_FALSE(io::is_missing_field("0"));
  EXPECT_FALSE(io::is_missing_field("none of these"));
}

TEST(Base64, RoundTripAndErrors) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) EXPECT_EQ(io::decode_base64(io::encode_base64(s), "t"), s);
  EXPECT_EQ(io::encode_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(io::decode_base64("Zm9v\nYg==", "t"), "foob");
  expect_one_line_error([] { io::decode_base64("Zm9v!", "img"); }, "img: invalid base64 (character 5");
  expect_one_line_error([] { io::decode_base64("Zm9vY", "img"); }, "img: invalid base64");
  expect_one_line_error([] { io::decode_base64("Zg==Zg==", "img"); }, "after '=' padding");
}

std::string mcq_tsv(const std::string& image_a, const std::string& answer_b) {
  return "index\tquestion\thint\tA\tB\tC\tanswer\tcategory\timage\n"
         "\"007\"\t\"What is it?\"\t\"\"\t\"cat\"\t\"dog\"\t\"\"\t\"A\"\t\"animals\"\t\"" + image_a + "\"\n"
         "\"1000007\"\t\"What is it?\"\t\"Look closely.\"\t\"dog\"\t\"cat\"\tNaN\t\"" + answer_b + "\"\t\"animals\"\t\"7\"\n";
}

TEST(BenchmarkTsv, McqRowsOptionsGroupsImagesAndPrompt) {
  const std::string dir = temp_dir();
  io::write_file_atomic(dir + "/mmb.tsv", mcq_tsv(png_base64(8, 6, 200), "B"));
  eval::BenchmarkTsv b = eval::load_benchmark_tsv(dir + "/mmb.tsv", "auto");
  ASSERT_EQ(b.kind, eval::BenchmarkKind::mcq);
  ASSERT_EQ(b.questions.size(), 2u);
  EXPECT_EQ(b.questions[0].index, "7");  // pandas reads "007" as the integer 7
  EXPECT_EQ(b.questions[0].group, "7");
  EXPECT_EQ(b.questions[1].group, "7");  // 1000007 % 1e6
  EXPECT_EQ(b.questions[0].options.size(), 2u);  // C empty / NaN: no option
  EXPECT_EQ(b.image_rows[1], 0u);        // "7" refers to row 0's image
  EXPECT_EQ(b.questions[1].image_key, "#7");
  data::Image img = eval::benchmark_image(b, 1);
  EXPECT_EQ(img.width, 8);
  EXPECT_EQ(img.height, 6);
  EXPECT_EQ(eval::benchmark_prompt(b.questions[1], b.kind),
            "Hint: Look closely.\nQuestion: What is it?\nOptions:\nA. dog\nB. cat\n"
            "Please select the correct answer from the options above. \n");
  EXPECT_EQ(eval::benchmark_prompt(b.questions[0], b.kind),
            "Question: What is it?\nOptions:\nA. cat\nB. dog\nPlease select the correct answer from the options above. \n");
}

TEST(BenchmarkTsv, BadInputIsOneLineNamingFileLineColumn) {
  const std::string dir = temp_dir();
  const std::string good = png_base64(4, 4, 10);
  io::write_file_atomic(dir + "/a.tsv", mcq_tsv(good, "C"));
  expect_one_line_error([&] { eval::load_benchmark_tsv(dir + "/a.tsv", "auto"); }, "a.tsv:3: column 'answer': expected the letter of one of the row's options, got 'C'");
  io::write_file_atomic(dir + "/b.tsv", "index\tquestion\timage\n1\tq\t" + good + "\n");
  expect_one_line_error([&] { eval::load_benchmark_tsv(dir + "/b.tsv", "auto"); }, "missing column 'answer'");
  // Bad base64: refused when the image is decoded, naming where it is.
  io::write_file_atomic(dir + "/c.tsv", mcq_tsv(std::string(80, '*'), "B"));
  eval::BenchmarkTsv c = eval::load_benchmark_tsv(dir + "/c.tsv", "auto");
  expect_one_line_error([&] { eval::benchmark_image(c, 1); }, "c.tsv:2: column 'image': invalid base64");
  // Base64 of something that is no image.
  io::write_file_atomic(dir + "/d.tsv", mcq_tsv(io::encode_base64(std::string(90, 'x')), "B"));
  eval::BenchmarkTsv d = eval::load_benchmark_tsv(dir + "/d.tsv", "auto");
  expect_one_line_error([&] { eval::benchmark_image(d, 0); }, "d.tsv:2: column 'image'");
  io::write_file_atomic(dir + "/e.tsv", "index\tquestion\tanswer\timage\n1\tq\tMaybe\t" + good + "\n");
  expect_one_line_error([&] { eval::load_benchmark_tsv(dir + "/e.tsv", "auto"); }, "e.tsv:2: column 'answer': expected Yes or No, got 'Maybe'");
  io::write_file_atomic(dir + "/f.tsv", "index\tquestion\tanswer\timage\n1\tq\tyes\t12\n");
  expect_one_line_error([&] { eval::load_benchmark_tsv(dir + "/f.tsv", "auto"); }, "f.tsv:2: column 'image': '12' is neither base64 image data nor the index of a row");
  io::write_file_atomic(dir + "/g.tsv", "index\tquestion\tanswer\timage\n1\tq\tyes\t" + good + "\n1\tq\tno\t1\n");
  expect_one_line_error([&] { eval::load_benchmark_tsv(dir + "/g.tsv", "auto"); }, "g.tsv:3: column 'index': index 1 also on line 2");
}

TEST(BenchmarkTsv, YesNoKindsAnswersAndImageFiles) {
  const std::string dir = temp_dir();
  data::write_png(dir + "/pic.png", data::Image(5, 3, 99));
  const std::string table = "index\tquestion\tanswer\tcategory\timage_path\n0\tIs it red? Please answer yes or no.\tyes\tcolor\tpic.png\n";
  io::write_file_atomic(dir + "/MME.tsv", table);
  io::write_file_atomic(dir + "/my_POPE_set.tsv", table);
  eval::BenchmarkTsv mme = eval::load_benchmark_tsv(dir + "/MME.tsv", "auto");
  EXPECT_EQ(mme.kind, eval::BenchmarkKind::yorn);
  EXPECT_EQ(mme.questions[0].answer, "Yes");
  EXPECT_EQ(mme.questions[0].image_key, "pic.png");
  EXPECT_EQ(eval::benchmark_prompt(mme.questions[0], mme.kind), "Is it red? Please answer yes or no.");
  EXPECT_EQ(eval::benchmark_image(mme, 0).width, 5);  // relative to the TSV's folder
  EXPECT_EQ(eval::load_benchmark_tsv(dir + "/my_POPE_set.tsv", "auto").kind, eval::BenchmarkKind::pope);
  EXPECT_EQ(eval::load_benchmark_tsv(dir + "/MME.tsv", "pope").kind, eval::BenchmarkKind::pope);
}

}  // namespace benchmark_tsv_test
