#pragma once
// What an interaction step did, read back from its metrics.jsonl (the mechanism
// figures of issue 14 / the paper's Figure 5): how close the student's final
// distribution came to the teacher's, how much room the layer matching had, and
// how the matched teacher layers drifted over training.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vlsi::distill {

struct InteractionTrace {
  int64_t steps = 0;     // logged training steps
  int64_t window = 0;    // steps averaged at each end: a tenth of the run, at least one
  // Mean loss_last (the last-layer divergence to the teacher) over the first and the
  // last `window` steps; empty when the step logged none (e.g. last_op none).
  std::optional<double> last_loss_start, last_loss_end;
  // Per student target: the mean spread (max - min, nats) of the candidates'
  // divergences, and the mean matched teacher-target index over the first and
  // the last `window` steps. Empty without layer matching.
  std::vector<double> d_spread_mean, matched_start, matched_end;
  // Per student target (in layer order): its loss to the matched teacher layer
  // (the `<op>_layer_<l>` metric: kl, ce, l2, ...) over the first and the last
  // `window` steps, i.e. whether the layers actually moved towards the teacher's.
  std::vector<double> layer_loss_start, layer_loss_end;
};

// The numbers of `record`'s keys "<name>_layer_<l>" whose key `keep` accepts,
// ordered by l (a step's kl_layer_3, kl_layer_5; a validation's val_acc_layer_<l>).
std::vector<double> per_layer_values(const nlohmann::json& record, const std::function<bool(const std::string&)>& keep);

// Reads RUN/interact/metrics.jsonl; nullopt when the file does not exist.
std::optional<InteractionTrace> read_interaction_trace(const std::string& metrics_path);

}  // namespace vlsi::distill
