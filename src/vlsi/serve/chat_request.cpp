#include "vlsi/serve/chat_request.h"

#include <cmath>
#include <set>

#include "vlsi/data/record.h"
#include "vlsi/io/base64.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/serve/api_error.h"

namespace vlsi::serve {
namespace {

using json = nlohmann::json;

std::string type_of(const json& j) { return io::json_type_name(j); }

[[noreturn]] void wrong_type(const std::string& param, const char* expected, const json& got) {
  reject(param, param + ": expected " + expected + ", got " + type_of(got), "invalid_type");
}

const json& object_field(const json& j, const char* key, const std::string& param) {
  auto it = j.find(key);
  if (it == j.end()) reject(param + "." + key, "missing field '" + param + "." + key + "'", "missing_required_parameter");
  return *it;
}

std::string string_of(const json& j, const std::string& param) {
  if (!j.is_string()) wrong_type(param, "a string", j);
  return j.get<std::string>();
}

double number_in(const json& j, const std::string& param, double lo, double hi) {
  if (!j.is_number()) wrong_type(param, "a number", j);
  const double v = j.get<double>();
  if (!std::isfinite(v) || v < lo || v > hi)
    reject(param, param + ": expected a number in [" + json(lo).dump() + ", " + json(hi).dump() + "], got " + j.dump());
  return v;
}

int64_t integer_at_least(const json& j, const std::string& param, int64_t lo) {
  if (!j.is_number_integer()) wrong_type(param, "an integer", j);
  if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(INT64_MAX))
    reject(param, param + ": " + j.dump() + " is too large");
  const int64_t v = j.get<int64_t>();
  if (v < lo) reject(param, param + ": expected an integer >= " + std::to_string(lo) + ", got " + std::to_string(v));
  return v;
}

// A data: URL's image bytes, or a file path; remote URLs are never fetched.
ImageSource image_source(const std::string& url, const std::string& param, const RequestRules& rules) {
  ImageSource src;
  src.param = param;
  if (url.rfind("data:", 0) == 0) {
    const size_t comma = url.find(',');
    if (comma == std::string::npos) reject(param, param + ": a data: URL needs a ',' before its data");
    const std::string header = url.substr(5, comma - 5);
    if (header != "image/png;base64" && header != "image/jpeg;base64" && header != "image/jpg;base64")
      reject(param, param + ": expected a data:image/png;base64 or data:image/jpeg;base64 URL, got data:" +
                        header.substr(0, 64), "invalid_image_url");
    try {
      src.bytes = io::decode_base64(std::string_view(url).substr(comma + 1), param);
    } catch (const Error& e) {
      reject(param, std::string(e.what()), "invalid_base64");
    }
    if (src.bytes.empty()) reject(param, param + ": the data: URL holds no bytes", "invalid_image_url");
    return src;
  }
  if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
    reject(param, param + ": remote image URLs are not fetched; send the image as a data:image/png;base64 URL",
           "invalid_image_url");
  if (url.rfind("file://", 0) == 0 && rules.allow_image_files) {
    src.path = url.substr(7);
    if (src.path.empty() || src.path[0] != '/') reject(param, param + ": expected file:///ABSOLUTE/PATH", "invalid_image_url");
    return src;
  }
  reject(param, param + (rules.allow_image_files ? ": expected a data: URL or a file:/// URL"
                                                  : ": expected a data: URL (file paths need the server's --image-dir)"),
         "invalid_image_url");
}

// A message's content: a string, or an array of text and image_url parts.
std::string content_text(const json& content, const std::string& param, bool images_allowed, ChatRequest& out,
                         const RequestRules& rules) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) wrong_type(param, "a string or an array of content parts", content);
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const std::string p = param + "[" + std::to_string(i) + "]";
    const json& part = content[i];
    if (!part.is_object()) wrong_type(p, "an object", part);
    const std::string type = string_of(object_field(part, "type", p), p + ".type");
    std::string piece;
    if (type == "text") {
      for (auto& [k, v] : part.items())
        if (k != "type" && k != "text") reject(p + "." + k, "unknown field '" + p + "." + k + "'", "unknown_parameter");
      piece = string_of(object_field(part, "text", p), p + ".text");
    } else if (type == "image_url") {
      if (!images_allowed) reject(p, p + ": only user messages may hold images");
      for (auto& [k, v] : part.items())
        if (k != "type" && k != "image_url") reject(p + "." + k, "unknown field '" + p + "." + k + "'", "unknown_parameter");
      const json& image = object_field(part, "image_url", p);
      if (!image.is_object()) wrong_type(p + ".image_url", "an object with a url", image);
      for (auto& [k, v] : image.items()) {
        if (k == "detail") {
          const std::string d = string_of(v, p + ".image_url.detail");
          if (d != "auto" && d != "low" && d != "high")
            reject(p + ".image_url.detail", p + ".image_url.detail: expected auto, low or high, got " + d.substr(0, 32));
        } else if (k != "url") {
          reject(p + ".image_url." + k, "unknown field '" + p + ".image_url." + k + "'", "unknown_parameter");
        }
      }
      if (out.images.size() >= rules.max_images)
        reject(p, "too many images: at most " + std::to_string(rules.max_images) + " per request", "too_many_images");
      out.images.push_back(image_source(string_of(object_field(image, "url", p + ".image_url"), p + ".image_url.url"),
                                        p + ".image_url.url", rules));
      piece = data::kImagePlaceholder;
    } else {
      reject(p + ".type", p + ".type: expected text or image_url, got " + type.substr(0, 32));
    }
    text += text.empty() ? piece : "\n" + piece;
  }
  return text;
}

void parse_messages(const json& messages, ChatRequest& out, const RequestRules& rules) {
  if (!messages.is_array()) wrong_type("messages", "an array of messages", messages);
  if (messages.empty()) reject("messages", "messages: expected at least one message");
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string p = "messages[" + std::to_string(i) + "]";
    const json& m = messages[i];
    if (!m.is_object()) wrong_type(p, "an object", m);
    std::string role = string_of(object_field(m, "role", p), p + ".role");
    for (auto& [k, v] : m.items())
      if (k != "role" && k != "content" && k != "name")
        reject(p + "." + k, "unsupported field '" + p + "." + k + "' (tool calls are not supported)", "unknown_parameter");
    if (m.contains("name") && !m["name"].is_string()) wrong_type(p + ".name", "a string", m["name"]);
    if (role == "developer") role = "system";  // OpenAI's newer name for the system role
    if (role != "system" && role != "user" && role != "assistant")
      reject(p + ".role", p + ".role: expected system, developer, user or assistant, got " + role.substr(0, 32));
    const size_t images_before = out.images.size();
    std::string text = content_text(object_field(m, "content", p), p + ".content", role == "user", out, rules);
    // The placeholder marks image parts; typed by the client it would claim an image that is not there.
    size_t placeholders = 0;
    for (size_t at = text.find(data::kImagePlaceholder); at != std::string::npos;
         at = text.find(data::kImagePlaceholder, at + 1))
      ++placeholders;
    if (placeholders != out.images.size() - images_before)
      reject(p + ".content", p + ".content: text must not contain " + std::string(data::kImagePlaceholder) +
                                 "; send images as image_url parts");
    out.messages.push_back({role, std::move(text)});
  }
  if (out.messages.back().role != "user")
    reject("messages", "messages: the last message must be the user's (the model answers it)");
}

void parse_stop(const json& stop, ChatRequest& out) {
  if (stop.is_null()) return;
  if (stop.is_string()) {
    out.stop.push_back(stop.get<std::string>());
  } else if (stop.is_array()) {
    if (stop.size() > 4) reject("stop", "stop: at most 4 stop strings, got " + std::to_string(stop.size()));
    for (size_t i = 0; i < stop.size(); ++i) out.stop.push_back(string_of(stop[i], "stop[" + std::to_string(i) + "]"));
  } else {
    wrong_type("stop", "a string or an array of strings", stop);
  }
  for (const auto& s : out.stop)
    if (s.empty()) reject("stop", "stop: stop strings must not be empty");
}

// OpenAI fields without effect here, accepted when they ask for nothing we would ignore.
void check_inert_field(const std::string& key, const json& v) {
  auto must = [&](bool ok, const std::string& expected) {
    if (!ok) reject(key, key + ": " + expected + " is all this server supports, got " + v.dump().substr(0, 64), "unsupported_value");
  };
  if (key == "frequency_penalty" || key == "presence_penalty") {
    must(v.is_null() || (v.is_number() && v.get<double>() == 0.0), "0");
  } else if (key == "logprobs") {
    must(v.is_null() || v == false, "false");
  } else if (key == "top_logprobs") {
    must(v.is_null() || v == 0, "0");
  } else if (key == "logit_bias") {
    must(v.is_null() || (v.is_object() && v.empty()), "an empty object");
  } else if (key == "response_format") {
    must(v.is_null() || v == json{{"type", "text"}}, "{\"type\": \"text\"}");
  } else if (key == "tools" || key == "functions") {
    must(v.is_null() || (v.is_array() && v.empty()), "no tools");
  } else if (key == "tool_choice" || key == "function_call") {
    must(v.is_null() || v == "none", "\"none\"");
  } else if (key == "modalities") {
    must(v.is_null() || v == json::array({"text"}), "[\"text\"]");
  } else if (key == "user" || key == "service_tier") {
    if (!v.is_null() && !v.is_string()) wrong_type(key, "a string", v);
  } else if (key == "metadata") {
    if (!v.is_null() && !v.is_object()) wrong_type(key, "an object", v);
  } else if (key == "store" || key == "parallel_tool_calls") {
    if (!v.is_null() && !v.is_boolean()) wrong_type(key, "a boolean", v);
  }
}

const std::set<std::string>& inert_fields() {
  static const std::set<std::string> fields{"frequency_penalty", "presence_penalty", "logprobs", "top_logprobs",
                                            "logit_bias", "response_format", "tools", "functions", "tool_choice",
                                            "function_call", "modalities", "user", "service_tier", "metadata",
                                            "store", "parallel_tool_calls"};
  return fields;
}

}  // namespace

ChatRequest parse_chat_request(std::string_view body, const RequestRules& rules) {
  json j;
  try {
    j = io::parse_json(body, "request body");
  } catch (const Error& e) {
    reject("", std::string("the body is not valid JSON: ") + e.what(), "invalid_json");
  }
  if (!j.is_object()) reject("", "the body must be a JSON object, got " + type_of(j), "invalid_type");
  ChatRequest out;
  for (auto& [key, v] : j.items()) {
    if (key == "model") {
      out.model = string_of(v, "model");
    } else if (key == "messages") {
      parse_messages(v, out, rules);
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      if (!v.is_null()) out.max_tokens = integer_at_least(v, key, 1);
    } else if (key == "temperature") {
      if (!v.is_null()) out.temperature = number_in(v, key, 0.0, 2.0);
    } else if (key == "top_p") {
      if (!v.is_null()) out.top_p = number_in(v, key, 0.0, 1.0);
      if (out.top_p == 0.0) reject(key, "top_p: expected a number in (0, 1], got 0");
    } else if (key == "seed") {
      if (!v.is_null()) {
        if (!v.is_number_integer()) wrong_type(key, "an integer", v);
        out.seed = v.is_number_unsigned() ? v.get<uint64_t>() : uint64_t(v.get<int64_t>());
      }
    } else if (key == "stop") {
      parse_stop(v, out);
    } else if (key == "stream") {
      if (!v.is_null() && !v.is_boolean()) wrong_type(key, "a boolean", v);
      out.stream = v.is_boolean() && v.get<bool>();
    } else if (key == "stream_options") {
      if (v.is_null()) continue;
      if (!v.is_object()) wrong_type(key, "an object", v);
      for (auto& [k, o] : v.items()) {
        if (k != "include_usage") reject("stream_options." + k, "unknown field 'stream_options." + k + "'", "unknown_parameter");
        if (!o.is_boolean()) wrong_type("stream_options.include_usage", "a boolean", o);
        out.include_usage = o.get<bool>();
      }
    } else if (key == "n") {
      if (!v.is_null() && integer_at_least(v, key, 1) != 1)
        reject(key, "n: only n=1 is supported (one choice per request), got " + v.dump(), "unsupported_value");
    } else if (inert_fields().count(key)) {
      check_inert_field(key, v);
    } else {
      reject(key, "unrecognized request argument supplied: " + key.substr(0, 64), "unknown_parameter");
    }
  }
  if (!j.contains("model")) reject("model", "missing field 'model'", "missing_required_parameter");
  if (!j.contains("messages")) reject("messages", "missing field 'messages'", "missing_required_parameter");
  if (!out.stream && out.include_usage) reject("stream_options", "stream_options: only allowed with stream: true");
  return out;
}

}  // namespace vlsi::serve
