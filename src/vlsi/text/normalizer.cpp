#include "vlsi/text/normalizer.h"

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::text {
namespace {

void collect(const nlohmann::json& j, const std::string& where, const std::string& field, std::vector<NormalForm>& out) {
  check(j.is_object(), where, ": field '", field, "': expected an object, got ", io::json_type_name(j));
  std::string type = io::get_field<std::string>(j, "type", where + ": field '" + field + "'");
  if (type == "NFC") out.push_back(NormalForm::NFC);
  else if (type == "NFD") out.push_back(NormalForm::NFD);
  else if (type == "NFKC") out.push_back(NormalForm::NFKC);
  else if (type == "NFKD") out.push_back(NormalForm::NFKD);
  else if (type == "Sequence") {
    const auto& list = io::get_field<nlohmann::json>(j, "normalizers", where + ": field '" + field + "'");
    check(list.is_array(), where, ": field '", field, ".normalizers': expected an array");
    for (size_t k = 0; k < list.size(); ++k) collect(list[k], where, field + ".normalizers[" + std::to_string(k) + "]", out);
  } else {
    fail(where, ": field '", field, ".type': unsupported normalizer \"", type,
         "\" (supported: NFC, NFD, NFKC, NFKD, Sequence of these, or null)");
  }
}

}  // namespace

Normalizer Normalizer::from_json(const nlohmann::json& config, const std::string& where) {
  Normalizer n;
  n.config_ = config;
  if (!config.is_null()) collect(config, where, "normalizer", n.forms_);
  return n;
}

std::string Normalizer::apply(std::string_view text) const {
  std::string s(text);
  for (NormalForm f : forms_) s = normalize_unicode(s, f);
  return s;
}

}  // namespace vlsi::text
