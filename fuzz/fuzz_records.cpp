// libFuzzer target: a dataset file (LLaVA records as a JSON array or JSONL),
// loaded through data::load_records, which takes a path: the input is written
// to a scratch file, beside an image folder holding one real PNG. Every record
// kept must survive vlsi's own writer and parser unchanged.
#include "fuzz/fuzz_support.h"
#include "vlsi/data/image.h"
#include "vlsi/data/record.h"

namespace {

const std::string& image_dir() {
  static const std::string* dir = [] {
    auto* d = new std::string(vlsi::fuzz::scratch_dir() + "/images");
    std::filesystem::create_directories(*d + "/sub");
    vlsi::data::write_png(*d + "/a.png", vlsi::data::Image(3, 2, 200));
    vlsi::data::write_png(*d + "/sub/b.png", vlsi::data::Image(1, 1, 7));
    return d;
  }();
  return *dir;
}

void check_round_trip(const vlsi::data::Record& r) {
  const auto j = vlsi::data::record_to_json(r);
  try {
    vlsi::fuzz::require(vlsi::data::record_to_json(vlsi::data::parse_record(j, r.location)) == j,
                        "a kept record round-trips through record_to_json");
  } catch (const vlsi::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    vlsi::fuzz::require(false, "a kept record parses again after record_to_json");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vlsi::data::RecordLoadOptions opt;
  opt.image_dir = image_dir();
  const std::string path = vlsi::fuzz::write_scratch("records.jsonl", data, size);
  // skip: every line is tried and the report built; fail: the first bad one throws.
  opt.policy = vlsi::data::BadRecordPolicy::skip;
  vlsi::fuzz::expect_only_vlsi_errors([&] {
    const auto set = vlsi::data::load_records(path, opt);
    vlsi::fuzz::require(set.records.size() == set.report.kept && set.report.kept <= set.report.total,
                        "the report counts what was kept");
    set.report.summary();
    for (const auto& r : set.records) check_round_trip(r);
  });
  opt.policy = vlsi::data::BadRecordPolicy::fail;
  opt.image_check = vlsi::data::ImageCheck::decode;
  vlsi::fuzz::expect_only_vlsi_errors([&] { vlsi::data::load_records(path, opt); });
  return 0;
}
