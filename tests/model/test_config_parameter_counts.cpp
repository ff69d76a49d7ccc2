// The public model configs in configs/models load, and vlsi counts as many
// parameters in each as transformers builds (configs/models/parameter_counts.json,
// made by scripts/count_config_parameters.py under torch.device("meta")).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/registry.h"

namespace vlsi::model {
namespace {

TEST(PublicConfigs, ParameterCountsMatchTransformers) {
  const std::string dir = std::string(VLSI_SOURCE_DIR) + "/configs/models/";
  const nlohmann::json counts = io::read_json_file(dir + "parameter_counts.json");
  int checked = 0;
  for (const auto& [file, want] : counts.items()) {
    const VlmConfig c = load_model_config(dir + file);
    EXPECT_EQ(parameter_count(c), want.get<int64_t>()) << file;
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

}  // namespace
}  // namespace vlsi::model
