// libFuzzer target: config.json of every registered model family, through the
// registry's entry point (family by model_type, then the family's parser and
// the size limits of model/config_limits.h). Nothing is allocated from the
// sizes: an accepted config must round-trip and count its parameters.
#include "fuzz/fuzz_support.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vlsi::fuzz::expect_only_vlsi_errors([&] {
    const auto j = vlsi::io::parse_json(std::string_view(reinterpret_cast<const char*>(data), size), "config.json");
    const vlsi::model::VlmConfig c = vlsi::model::model_config_from_json(j, "config.json");
    vlsi::fuzz::require(vlsi::model::parameter_count(c) > 0, "an accepted config has parameters");
    // What vlsi writes it must read back unchanged (model folders move both ways).
    const auto written = c.to_json();
    vlsi::fuzz::require(vlsi::model::model_config_from_json(written, "written").to_json() == written,
                        "config.json round-trips");
    vlsi::model::default_processor(c);
  });
  return 0;
}
