#include "vlsi/eval/mme_score.h"

#include <algorithm>
#include <map>

#include "vlsi/io/error.h"

namespace vlsi::eval {

namespace {

// MME_rating's super_cates.
std::string mme_group(const std::string& category, const std::string& l2_category) {
  static const std::vector<std::string> perception = {"OCR",      "artwork",  "celebrity", "color",   "count",
                                                      "existence", "landmark", "position",  "posters", "scene"};
  static const std::vector<std::string> cognition = {"code_reasoning", "commonsense_reasoning",
                                                     "numerical_calculation", "text_translation"};
  auto in = [](const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  if (in(perception, category)) return "perception";
  if (in(cognition, category)) return "cognition";
  if (l2_category == "perception") return "perception";
  if (l2_category == "cognition" || l2_category == "reasoning") return "cognition";
  return "";
}

}  // namespace

nlohmann::json MmeScores::to_json() const {
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& c : categories)
    cats[c.name] = {{"acc", c.acc()},       {"acc_plus", c.acc_plus()}, {"score", c.score()},
                    {"questions", c.questions}, {"right", c.right},      {"images", c.images},
                    {"images_all_right", c.images_all_right}, {"group", c.group}};
  size_t right = 0;
  for (bool ok : row_correct) right += ok;
  return {{"rule", "MME: score = 100 * acc + 100 * acc+ per category; acc+ = images with every question right"},
          {"perception", perception},
          {"cognition", cognition},
          {"overall", {{"accuracy", row_correct.empty() ? 0.0 : double(right) / double(row_correct.size())},
                       {"correct", right},
                       {"total", row_correct.size()}}},
          {"categories", cats}};
}

MmeScores score_mme(const std::vector<BenchmarkQuestion>& rows, const std::vector<std::string>& predictions) {
  check(rows.size() == predictions.size(), "mme: ", rows.size(), " rows but ", predictions.size(), " predictions");
  MmeScores s;
  // category -> image -> all right so far (std::map: categories come out sorted).
  std::map<std::string, std::map<std::string, bool>> images;
  std::map<std::string, MmeCategory> cats;
  for (size_t i = 0; i < rows.size(); ++i) {
    s.extracted.push_back(extract_yes_no(predictions[i]));
    s.row_correct.push_back(s.extracted.back() == rows[i].answer);
    const std::string name = rows[i].category.empty() ? "all" : rows[i].category;
    MmeCategory& c = cats[name];
    if (c.name.empty()) {
      c.name = name;
      c.group = mme_group(rows[i].category, rows[i].l2_category);
    }
    c.questions += 1;
    c.right += s.row_correct.back();
    auto [it, fresh] = images[name].emplace(rows[i].image_key, true);
    it->second = it->second && s.row_correct.back();
  }
  for (auto& [name, c] : cats) {
    for (const auto& [image, all_right] : images[name]) {
      c.images += 1;
      c.images_all_right += all_right;
    }
    if (c.group == "perception") s.perception += c.score();
    if (c.group == "cognition") s.cognition += c.score();
    s.categories.push_back(c);
  }
  return s;
}

}  // namespace vlsi::eval
