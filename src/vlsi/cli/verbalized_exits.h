#pragma once
// A model folder's verbalizers as early-exit points (infer/early_exit.h): what
// `vlsi verbalize` decodes through and what `vlsi serve`'s layer endpoint
// serves. Each exit's head holds its verbalizer, so the exits outlive the set.
#include <string>
#include <vector>

#include "vlsi/cli/chat_model.h"
#include "vlsi/infer/early_exit.h"

namespace vlsi::cli {

// True when `dir` has verbalizers.json (the weights are checked when loaded).
bool has_verbalizers(const std::string& dir);
// A one-line error naming the folder when it has none.
void require_verbalizers(const std::string& dir);

// The verbalizers of m's folder, on the model's device and dtype, in eval mode;
// a one-line error naming the folder when it has none or they do not fit the model.
std::vector<infer::ExitPoint> load_verbalized_exits(ChatModel& m);

}  // namespace vlsi::cli
