#include "vlsi/train/metrics_log.h"

#include <cstdio>
#include <sstream>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/kill_point.h"

namespace vlsi::train {
using nlohmann::json;

MetricsLog::MetricsLog(std::string path, std::string label) : path_(std::move(path)), label_(std::move(label)) {}

std::vector<json> MetricsLog::restart_at(int64_t step) const {
  std::vector<json> kept;
  if (!io::file_exists(path_)) return kept;
  const std::string text = io::read_file(path_);
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    json rec = json::parse(line, nullptr, /*allow_exceptions=*/false);
    // A line torn by a kill does not parse; a record after `step` is replayed.
    if (rec.is_discarded() || !rec.is_object() || !rec.contains("step") || !rec["step"].is_number_integer() ||
        rec["step"].get<int64_t>() > step)
      continue;
    out += line;
    out += '\n';
    kept.push_back(std::move(rec));
  }
  if (out != text) io::write_file_atomic(path_, out);
  return kept;
}

void MetricsLog::append(const json& record) const {
  const std::string line = record.dump();
  if (io::kill_point_reached(label_, "metrics-append")) {
    // Test-only: leave half a line behind, as a kill in the middle of the write would.
    if (std::FILE* f = std::fopen(path_.c_str(), "ab")) {
      std::fwrite(line.data(), 1, line.size() / 2, f);
      std::fclose(f);
    }
    io::kill_now();
  }
  io::append_line(path_, line);
}

}  // namespace vlsi::train
