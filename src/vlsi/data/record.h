#pragma once
// Conversation records in the LLaVA convention:
//   {"id": ..., "image": "rel/path.png" (optional; or a list of paths),
//    "conversations": [{"from": "human", "value": "<image>\n..."},
//                      {"from": "gpt", "value": "..."}, ...], ...extra fields}
// read from a JSON array or a JSONL file and validated; a bad record is either
// skipped and counted or fails the load, by policy.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "vlsi/io/error.h"

namespace vlsi::data {

// The placeholder that marks where an image goes in a human turn.
inline constexpr const char* kImagePlaceholder = "<image>";

enum class Role { human, gpt };

struct Turn {
  Role role = Role::human;
  std::string value;
};

struct Record {
  std::string id;
  std::vector<std::string> images;  // as written in the file, relative to the image folder
  std::vector<Turn> conversations;  // human, gpt, human, gpt, ... (validated)
  nlohmann::json extra = nlohmann::json::object();  // every other field ("category", "answer_type", ...)
  std::string location;  // "file.jsonl:12" or "file.json[7]", for messages

  // String-valued extra field, or `fallback` when absent.
  std::string extra_string(const std::string& key, const std::string& fallback = "") const;
  // The final assistant answer (the reference for evaluation).
  const std::string& last_answer() const { return conversations.back().value; }
};

enum class BadRecordPolicy { skip, fail };
BadRecordPolicy parse_bad_record_policy(const std::string& name);  // "skip" | "fail"

// How deeply images are checked while loading: `header` opens the file and
// reads its header (cheap), `decode` decodes every image fully.
enum class ImageCheck { none, header, decode };

struct RecordLoadOptions {
  std::string image_dir;  // folder the "image" paths are relative to
  BadRecordPolicy policy = BadRecordPolicy::fail;
  ImageCheck image_check = ImageCheck::header;
  size_t locations_reported = 5;  // how many bad-record locations the summary lists
};

// What loading found: kept and skipped counts, per reason, and where.
struct LoadReport {
  std::string path;
  size_t total = 0;
  size_t kept = 0;
  std::map<std::string, size_t> skipped_by_reason;  // reason key -> count
  std::vector<std::string> first_problems;          // full one-line messages of the first few
  std::vector<std::string> first_locations;         // "file:line (reason)" of the same records
  size_t skipped() const { return total - kept; }
  // One line: "train.jsonl: kept 98 of 100 records; skipped 2 (missing_image 2); first: ...".
  std::string summary() const;
};

struct RecordSet {
  std::vector<Record> records;
  LoadReport report;
};

// Reason keys used in reports and messages.
namespace reason {
inline constexpr const char* malformed_json = "malformed_json";
inline constexpr const char* bad_field = "bad_field";
inline constexpr const char* no_assistant_turn = "no_assistant_turn";
inline constexpr const char* roles_not_alternating = "roles_not_alternating";
inline constexpr const char* too_many_placeholders = "too_many_placeholders";
inline constexpr const char* missing_image = "missing_image";
inline constexpr const char* bad_image = "bad_image";
}  // namespace reason

// A record that failed validation: the message is one line,
// "LOCATION: record 'ID': what is wrong (REASON)", and `reason` is the key.
class BadRecord : public Error {
 public:
  BadRecord(const std::string& message, std::string reason_key) : Error(message), reason(std::move(reason_key)) {}
  std::string reason;
};

// Reads a JSON array or JSONL file (told apart by the first non-blank byte).
RecordSet load_records(const std::string& path, const RecordLoadOptions& options);

// Parses and validates one record object (no file-system checks); throws
// BadRecord. `location` is kept on the record for later messages.
// Images without a placeholder get one prepended to the first human turn,
// so the placeholder count always equals the image count afterwards.
Record parse_record(const nlohmann::json& j, const std::string& location);

// The inverse of parse_record (id, image(s), conversations, then extras).
nlohmann::json record_to_json(const Record& r);

// Full path of image `i` of a record.
std::string image_path(const std::string& image_dir, const std::string& image);

// Counts non-overlapping occurrences of `needle` in `text`.
size_t count_occurrences(const std::string& text, const std::string& needle);

}  // namespace vlsi::data
