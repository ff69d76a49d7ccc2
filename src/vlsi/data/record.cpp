#include "vlsi/data/record.h"

#include <filesystem>
#include <sstream>

#include "vlsi/data/image.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"

namespace vlsi::data {

using json = nlohmann::json;

std::string Record::extra_string(const std::string& key, const std::string& fallback) const {
  auto it = extra.find(key);
  if (it == extra.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

BadRecordPolicy parse_bad_record_policy(const std::string& name) {
  if (name == "skip") return BadRecordPolicy::skip;
  if (name == "fail") return BadRecordPolicy::fail;
  fail("bad-record policy '", name, "': expected 'skip' or 'fail'");
}

size_t count_occurrences(const std::string& text, const std::string& needle) {
  if (needle.empty()) return 0;
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

std::string image_path(const std::string& image_dir, const std::string& image) {
  if (image_dir.empty()) return image;
  // A dataset names images inside its image folder: an absolute path or a '..'
  // step would let a downloaded dataset read any file on the machine.
  bool escapes = !image.empty() && image[0] == '/';
  for (const auto& part : std::filesystem::path(image)) escapes = escapes || part == "..";
  check(!escapes, "image '", image, "' is outside the image folder '", image_dir,
        "' (absolute paths and '..' are not allowed)");
  if (image_dir.back() == '/') return image_dir + image;
  return image_dir + "/" + image;
}

namespace {

[[noreturn]] void bad(const std::string& location, const std::string& id, const char* reason_key,
                      const std::string& what) {
  std::string who = id.empty() ? "" : "record '" + id + "': ";
  throw BadRecord(location + ": " + who + what + " (" + reason_key + ")", reason_key);
}

Role parse_role(const std::string& from, bool* ok) {
  *ok = true;
  if (from == "human" || from == "user") return Role::human;
  if (from == "gpt" || from == "assistant") return Role::gpt;
  *ok = false;
  return Role::human;
}

const char* role_name(Role r) { return r == Role::human ? "human" : "gpt"; }

}  // namespace

Record parse_record(const json& j, const std::string& location) {
  Record r;
  r.location = location;
  if (!j.is_object()) bad(location, "", reason::bad_field, "expected a JSON object, got " + io::json_type_name(j));
  if (auto it = j.find("id"); it != j.end() && !it->is_null()) {
    if (it->is_string()) r.id = it->get<std::string>();
    else if (it->is_number_integer()) r.id = std::to_string(it->get<int64_t>());
    else bad(location, "", reason::bad_field, "field 'id': expected string or integer, got " + io::json_type_name(*it));
  } else {
    r.id = location;
  }
  if (auto it = j.find("image"); it != j.end() && !it->is_null()) {
    auto take = [&](const json& v) {
      if (!v.is_string() || v.get<std::string>().empty())
        bad(location, r.id, reason::bad_field, "field 'image': expected a non-empty path string");
      r.images.push_back(v.get<std::string>());
    };
    if (it->is_array()) {
      for (const auto& v : *it) take(v);
    } else {
      take(*it);
    }
  }
  auto conv = j.find("conversations");
  if (conv == j.end() || !conv->is_array())
    bad(location, r.id, reason::bad_field,
        conv == j.end() ? "missing field 'conversations'"
                        : "field 'conversations': expected array, got " + io::json_type_name(*conv));
  for (size_t i = 0; i < conv->size(); ++i) {
    const json& t = (*conv)[i];
    std::string where = "conversations[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("from") || !t["from"].is_string() || !t.contains("value") ||
        !t["value"].is_string())
      bad(location, r.id, reason::bad_field, where + ": expected {\"from\": string, \"value\": string}");
    bool ok = false;
    Turn turn;
    turn.role = parse_role(t["from"].get<std::string>(), &ok);
    if (!ok) bad(location, r.id, reason::bad_field, where + ": unknown role '" + t["from"].get<std::string>() + "' (expected human or gpt)");
    turn.value = t["value"].get<std::string>();
    r.conversations.push_back(std::move(turn));
  }
  bool any_gpt = false;
  for (const auto& t : r.conversations) any_gpt = any_gpt || t.role == Role::gpt;
  if (!any_gpt) bad(location, r.id, reason::no_assistant_turn, "conversation has no gpt (assistant) turn");
  for (size_t i = 0; i < r.conversations.size(); ++i) {
    Role expected = i % 2 == 0 ? Role::human : Role::gpt;
    if (r.conversations[i].role != expected)
      bad(location, r.id, reason::roles_not_alternating,
          "conversations[" + std::to_string(i) + "]: expected '" + role_name(expected) + "', got '" +
              role_name(r.conversations[i].role) + "' (roles must alternate human, gpt, ...)");
  }
  if (r.conversations.back().role != Role::gpt)
    bad(location, r.id, reason::roles_not_alternating, "conversation ends with a human turn that has no gpt answer");

  size_t placeholders = 0;
  for (size_t i = 0; i < r.conversations.size(); ++i) {
    size_t n = count_occurrences(r.conversations[i].value, kImagePlaceholder);
    if (n && r.conversations[i].role == Role::gpt)
      bad(location, r.id, reason::bad_field, "conversations[" + std::to_string(i) + "]: <image> placeholder in a gpt turn");
    placeholders += n;
  }
  if (placeholders > r.images.size())
    bad(location, r.id, reason::too_many_placeholders,
        std::to_string(placeholders) + " <image> placeholders but " + std::to_string(r.images.size()) + " image(s)");
  // LLaVA's convention for an image without a placeholder: it goes first.
  std::string missing;
  for (size_t i = placeholders; i < r.images.size(); ++i) missing += std::string(kImagePlaceholder) + "\n";
  r.conversations.front().value = missing + r.conversations.front().value;

  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "id" && it.key() != "image" && it.key() != "conversations") r.extra[it.key()] = it.value();
  return r;
}

json record_to_json(const Record& r) {
  json j = json::object();
  j["id"] = r.id;
  if (r.images.size() == 1) j["image"] = r.images[0];
  else if (!r.images.empty()) j["image"] = r.images;
  json conv = json::array();
  for (const auto& t : r.conversations) conv.push_back({{"from", role_name(t.role)}, {"value", t.value}});
  j["conversations"] = std::move(conv);
  for (auto it = r.extra.begin(); it != r.extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

namespace {

void check_images(const Record& r, const RecordLoadOptions& opt) {
  if (opt.image_check == ImageCheck::none) return;
  for (const auto& rel : r.images) {
    std::string full;
    try {
      full = image_path(opt.image_dir, rel);
    } catch (const Error& e) {
      bad(r.location, r.id, reason::bad_image, e.what());
    }
    std::error_code ec;  // a symlink loop or a denied folder: a bad image, skipped like the others
    (void)std::filesystem::status(full, ec);
    if (ec == std::errc::no_such_file_or_directory)
      bad(r.location, r.id, reason::missing_image,
          "image '" + rel + "' not found in '" + (opt.image_dir.empty() ? "." : opt.image_dir) + "'");
    if (ec) bad(r.location, r.id, reason::bad_image, "image '" + full + "' cannot be read (" + ec.message() + ")");
    if (opt.image_check == ImageCheck::header) {
      if (std::string problem = image_header_problem(full); !problem.empty())
        bad(r.location, r.id, reason::bad_image, "image " + problem);
    } else {
      try {
        decode_image(io::read_file(full), full);
      } catch (const Error& e) {
        bad(r.location, r.id, reason::bad_image, e.what());
      }
    }
  }
}

// Collects good records and, by policy, counts or throws the bad ones.
struct Collector {
  const RecordLoadOptions& opt;
  RecordSet& out;

  template <typename F>
  void add(F&& parse) {
    ++out.report.total;
    try {
      Record r = parse();
      check_images(r, opt);
      out.records.push_back(std::move(r));
      ++out.report.kept;
    } catch (const BadRecord& e) {
      if (opt.policy == BadRecordPolicy::fail) throw;
      ++out.report.skipped_by_reason[e.reason];
      if (out.report.first_problems.size() < opt.locations_reported) {
        std::string msg = e.what();
        out.report.first_problems.push_back(msg);
        out.report.first_locations.push_back(msg.substr(0, msg.find(": ")) + " (" + e.reason + ")");
      }
    }
  }
};

}  // namespace

RecordSet load_records(const std::string& path, const RecordLoadOptions& options) {
  RecordSet set;
  set.report.path = path;
  const std::string text = io::read_file(path);
  size_t first = text.find_first_not_of(" \t\r\n");
  Collector collect{options, set};
  if (first != std::string::npos && text[first] == '[') {
    // A syntax error in an array file cannot be skipped: the file is unusable.
    json arr = io::parse_json(text, path);
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string loc = path + "[" + std::to_string(i) + "]";
      collect.add([&] { return parse_record(arr[i], loc); });
    }
    return set;
  }
  size_t line_no = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string loc = path + ":" + std::to_string(line_no);
    collect.add([&] {
      json j;
      try {
        j = io::parse_json_line(line, path, int64_t(line_no));
      } catch (const Error& e) {  // "LOC:COL: why" (or "LOC: why"): a bad record under the policy
        const std::string tail = std::string(e.what()).substr(loc.size());
        bad(loc, "", reason::malformed_json,
            "malformed JSON" + (tail.rfind(": ", 0) == 0 ? tail : " at column " + tail.substr(1)));
      }
      return parse_record(j, loc);
    });
  }
  return set;
}

std::string LoadReport::summary() const {
  std::ostringstream os;
  os << path << ": kept " << kept << " of " << total << " records";
  if (skipped()) {
    os << "; skipped " << skipped() << " (";
    bool firstr = true;
    for (const auto& [k, n] : skipped_by_reason) {
      os << (firstr ? "" : ", ") << k << " " << n;
      firstr = false;
    }
    os << "); first:";
    for (size_t i = 0; i < first_locations.size(); ++i) os << (i ? ", " : " ") << first_locations[i];
  }
  return os.str();
}

}  // namespace vlsi::data
