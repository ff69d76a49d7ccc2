#include "vlsi/distill/served_folders.h"

#include <filesystem>

#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/read_file.h"

namespace vlsi::distill {

namespace fs = std::filesystem;

void write_teacher_folder(const std::string& teacher_model, const std::string& tokenizer_json,
                          const std::string& verbalizers, const std::string& dir) {
  if (io::file_exists(dir + "/config.json")) return;  // complete (config.json comes last)
  const fs::path source = fs::absolute(teacher_model).lexically_normal();
  check(fs::is_regular_file(source / "config.json"), "distill: teacher folder ", teacher_model, " has no config.json");
  io::make_dirs(dir);
  auto link = [&](const fs::path& target, const std::string& name) {
    const fs::path at = fs::path(dir) / name;
    std::error_code ec;
    if (fs::is_symlink(at) || fs::exists(at)) fs::remove(at);  // a rerun after a stop mid-way
    fs::create_symlink(target, at, ec);
    check(!ec, "distill: cannot link ", at.string(), " to ", target.string(), ": ", ec.message());
  };
  for (const auto& entry : fs::directory_iterator(source)) {
    const std::string name = entry.path().filename().string();
    if (name == "config.json" || name == kVerbalizerWeightsFile || name == kVerbalizerConfigFile) continue;
    link(entry.path(), name);
  }
  if (!fs::exists(source / "tokenizer.json")) {
    check(!tokenizer_json.empty() && io::file_exists(tokenizer_json), "distill: the teacher folder ", teacher_model,
          " has no tokenizer.json and no other was given");
    link(fs::absolute(tokenizer_json).lexically_normal(), "tokenizer.json");
  }
  for (const char* f : {kVerbalizerWeightsFile, kVerbalizerConfigFile})
    io::write_file_atomic(dir + "/" + f, io::read_file(verbalizers + "/" + f));
  link(source / "config.json", "config.json");
}

nlohmann::json layer_pairing_from_interact(const nlohmann::json& interact, const std::string& where) {
  using nlohmann::json;
  for (const char* k : {"student_target_layers", "teacher_target_layers", "match_counts"})
    check(interact.contains(k) && interact[k].is_array(), where, ": field '", k, "' missing or not a list");
  const json& s = interact["student_target_layers"];
  const json& t = interact["teacher_target_layers"];
  const json& counts = interact["match_counts"];
  check(counts.size() == s.size(), where, ": field 'match_counts': ", counts.size(), " rows for ", s.size(),
        " student target layers");
  json matched = json::array();
  for (size_t i = 0; i < counts.size(); ++i) {
    check(counts[i].is_array() && counts[i].size() == t.size(), where, ": field 'match_counts[", i, "]': expected ",
          t.size(), " counts (one per teacher target layer)");
    size_t best = 0;
    for (size_t j = 1; j < t.size(); ++j)
      if (counts[i][j].get<double>() > counts[i][best].get<double>()) best = j;
    matched.push_back(t.at(best));
  }
  return {{"student_target_layers", s}, {"teacher_target_layers", t}, {"match_counts", counts}, {"matched", matched}};
}

}  // namespace vlsi::distill
