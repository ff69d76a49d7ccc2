#include "vlsi/train/run_inputs.h"

#include <unistd.h>

#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/read_file.h"

namespace vlsi::train {
namespace {

enum class Kind { file, folder, model_folder };

// The string at `pointer` ("" when absent, not a string, or empty). Walked by
// hand: a pointer through a string ("/model/from" where model is a path) is absent.
std::string field(const nlohmann::json& cfg, const char* pointer) {
  const nlohmann::json* at = &cfg;
  std::string rest(pointer + 1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string key = rest.substr(0, slash);
    rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (!at->is_object() || !at->contains(key)) return "";
    at = &(*at)[key];
  }
  return at->is_string() ? at->get<std::string>() : "";
}

// "/data/train" -> "data.train", as --set names fields.
std::string dotted(const char* pointer) {
  std::string s(pointer + 1);
  for (char& c : s)
    if (c == '/') c = '.';
  return s;
}

void check_input(const std::string& path, Kind kind) {
  if (kind == Kind::file) {
    ::close(io::open_regular_file(path));  // names the reason: missing, a folder, a FIFO, unreadable
    return;
  }
  std::error_code ec;
  const bool folder = std::filesystem::is_directory(path, ec);
  if (!folder) {
    const bool missing = ec == std::errc::no_such_file_or_directory || !std::filesystem::exists(path, ec);
    fail(path, ": cannot read (", missing ? "no such folder" : ec ? ec.message() : "not a folder", ")");
  }
  if (kind == Kind::model_folder) ::close(io::open_regular_file(path + "/config.json"));
}

}  // namespace

void check_run_inputs(const nlohmann::json& cfg, const std::string& where) {
  static const struct {
    const char* pointer;
    Kind kind;
  } kInputs[] = {
      {"/data/train", Kind::file},   {"/data/val", Kind::file},           {"/data/images", Kind::folder},
      {"/tokenizer", Kind::file},    {"/model/init", Kind::file},         {"/model/from", Kind::model_folder},
      {"/model", Kind::model_folder}, {"/teacher/model", Kind::model_folder}, {"/student/model", Kind::model_folder},
  };
  for (const auto& input : kInputs) {
    const std::string path = field(cfg, input.pointer);
    if (path.empty()) continue;
    try {
      check_input(path, input.kind);
    } catch (const Error& e) {
      fail(where, ": field '", dotted(input.pointer), "': ", e.what());
    }
  }
}

}  // namespace vlsi::train
