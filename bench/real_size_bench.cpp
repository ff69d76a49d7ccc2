// vlsi's side of the real-size measurement (bench/real_size/README.md): the
// same folder, conversation and image as bench/real_size/transformers_peer.py,
// measured the same way. Prints JSON lines:
//   {"event": "load", ...}       the model's load time and peak RSS, then the tokenizer's etc.
//   {"event": "inputs", ...}     token count; must equal transformers' input_ids
//   {"event": "step", ...}       each forward + backward (or forward) in seconds
//   {"event": "summary", ...}    median of the timed steps, peak RSS
//
// Any family the registry loads (LLaVA-OneVision, Qwen2-VL, Qwen2.5-VL): the
// folder's own processor and chat template make the input ids.
//
//   build/real_size_bench --model /tmp/ov05b --inputs /tmp/ov05b-inputs [--mode train|forward]
//       [--threads 2] [--warmup 1] [--steps 3] [--trainable all|no-vision|decoder]
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>

#include "bench_threads.h"
#include "machine_load.h"
#include "vlsi/cli/forward_input.h"
#include "vlsi/data/collate.h"
#include "vlsi/data/image.h"
#include "vlsi/data/template_chat.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/model_bundle.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/lm_loss.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
// This process's CPU seconds (user, system) and minor page faults so far: a
// step's share of them is comparable with the peer's even on a busy machine.
struct Usage { double user_s, sys_s; long minor_faults; };
Usage own_usage() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return {sec(u.ru_utime), sec(u.ru_stime), u.ru_minflt};
}
double peak_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux: KiB
}
void emit(const json& j) { std::printf("%s\n", j.dump().c_str()), std::fflush(stdout); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vlsi real-size measurement (load, forward + backward) next to transformers_peer.py"};
  std::string model_dir, inputs_dir, mode = "train";
  int64_t threads = 2, warmup = 1, steps = 3;
  std::string profile, trainable = "all";
  app.add_option("--model", model_dir, "model folder")->required();
  app.add_option("--inputs", inputs_dir, "folder with conversation.json and image.png (transformers_peer.py --dump-inputs)")
      ->required();
  app.add_option("--mode", mode, "train (forward + backward) or forward")->check(CLI::IsMember({"train", "forward"}));
  app.add_option("--threads", threads, "compute threads")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
  app.add_option("--steps", steps, "timed steps")->capture_default_str();
  app.add_option("--trainable", trainable,
                 "train mode: all; no-vision (tower and projector frozen); decoder (layers and final norm alone)")
      ->check(CLI::IsMember({"all", "no-vision", "decoder"}));
  app.add_option("--profile", profile, "write a chrome trace of the last step here (libtorch's profiler)");
  CLI11_PARSE(app, argc, argv);
  try {
    vlsi_bench::set_threads(threads);
    emit({{"event", "start"}, {"threads", threads}, {"torch", TORCH_VERSION}, {"rss_mib_before_load", peak_rss_mib()},
          {"load_average_1min", vlsi_bench::load_average_1min()}});
    // The model alone (what transformers' from_pretrained times), then the rest of the bundle.
    auto t0 = Clock::now();
    vlsi::model::ModelBundle b;
    b.dir = model_dir;
    b.model = vlsi::model::load_model(model_dir);
    const double load_s = seconds_since(t0);
    const double load_peak = peak_rss_mib();
    auto t1 = Clock::now();
    b.tokenizer = std::make_shared<vlsi::text::Tokenizer>(vlsi::text::Tokenizer::from_file(model_dir + "/tokenizer.json"));
    vlsi::model::check_tokenizer_matches(b.model->config(), *b.tokenizer, model_dir);
    b.processor = vlsi::model::load_processor(model_dir, b.model->config());
    b.chat_template = vlsi::model::load_chat_template(model_dir);
    b.template_variables = vlsi::model::load_template_variables(model_dir);
    emit({{"event", "load"}, {"model_load_s", load_s}, {"peak_rss_mib", load_peak},
          {"tokenizer_processor_template_s", seconds_since(t1)}, {"parameters", b.model->parameter_count()}});

    const json conv = vlsi::io::read_json_file(inputs_dir + "/conversation.json");
    vlsi::data::SampleEncoder encoder(*b.tokenizer, vlsi::data::chat_format_of(b));
    const vlsi::data::Image image = vlsi::data::load_image(inputs_dir + "/" + conv.value("image", "image.png"));
    const auto counts = b.processor->image_token_counts({{image.height, image.width}});
    const std::vector<int64_t> ids = encoder.encode_chat(
        vlsi::cli::chat_messages_of(conv.at("messages"), inputs_dir + "/conversation.json: messages"), false, counts);
    if (conv.contains("input_ids")) {
      auto want = conv.at("input_ids");
      if (want.size() == 1 && want[0].is_array()) want = want[0];
      vlsi::check(ids == want.get<std::vector<int64_t>>(), "real_size_bench: vlsi's ", ids.size(),
                  " input ids differ from transformers' ", want.size());
    }
    const vlsi::model::VisionInputs images = b.processor->process({image});
    emit({{"event", "inputs"}, {"tokens", ids.size()}, {"image_tokens", counts[0]}, {"tiles", images.num_tiles()},
          {"same_ids_as_transformers", conv.contains("input_ids")}});

    const torch::Tensor input = torch::tensor(ids, torch::kLong).unsqueeze(0);
    // Labels = input_ids, as transformers' peer passes them (every next token
    // scored); the loss is vlsi's training loss (train/lm_loss.h, what
    // `vlsi train` uses), which never builds the [T, V] logits.
    auto lm_loss = [&](const torch::Tensor& last_hidden) {
      return vlsi::train::causal_lm_loss(last_hidden, input, b.model->lm_head_weight());
    };
    vlsi::model::ForwardOptions no_logits;
    no_logits.compute_logits = false;
    auto& net = b.model;
    net->train();
    // As the peer's --trainable (is_trainable in bench/real_size/peer_families.py).
    for (auto part : vlsi::model::all_parts())
      net->set_trainable(part, trainable == "all" || part == vlsi::model::Part::Lm ||
                                   (trainable == "no-vision" && part != vlsi::model::Part::Vision &&
                                    part != vlsi::model::Part::Projector));
    int64_t trainable_parameters = 0;
    for (const auto& p : net->parameters()) trainable_parameters += p.requires_grad() ? p.numel() : 0;
    std::vector<double> times, others;
    for (int64_t s = 0; s < warmup + steps; ++s) {
      for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();  // zero_grad(set_to_none=True)
      std::unique_ptr<torch::autograd::profiler::RecordProfile> tracing;
      if (!profile.empty() && s == warmup + steps - 1)
        tracing = std::make_unique<torch::autograd::profiler::RecordProfile>(profile);
      auto t = Clock::now();
      const Usage u0 = own_usage();
      const double busy0 = vlsi_bench::machine_busy_s();
      double loss = 0;
      if (mode == "train") {
        auto out = net->forward(input, images, {}, no_logits);
        auto l = lm_loss(out.last_hidden_state);
        l.backward();
        loss = l.item<double>();
      } else {
        torch::NoGradGuard g;
        auto out = net->forward(input, images, {}, no_logits);
        loss = lm_loss(out.last_hidden_state).item<double>();
      }
      const double dt = seconds_since(t);
      const Usage u1 = own_usage();
      const double own_s = u1.user_s + u1.sys_s - u0.user_s - u0.sys_s;
      const double other_s = std::max(0.0, vlsi_bench::machine_busy_s() - busy0 - own_s);
      tracing.reset();
      if (s >= warmup) times.push_back(dt), others.push_back(other_s);
      emit({{"event", "step"}, {"mode", mode}, {"warmup", s < warmup}, {"seconds", dt}, {"loss", loss},
            {"own_cpu_s", own_s}, {"other_processes_cpu_s", other_s}, {"sys_s", u1.sys_s - u0.sys_s},
            {"minor_faults", u1.minor_faults - u0.minor_faults},
            {"peak_rss_mib", peak_rss_mib()}});
    }
    std::sort(times.begin(), times.end());
    emit({{"event", "summary"}, {"mode", mode}, {"model_type", b.model->config().model_type},
          {"trainable", mode == "train" ? trainable : "none"},
          {"trainable_parameters", mode == "train" ? trainable_parameters : 0},
          {"load_s", load_s}, {"median_s", times[times.size() / 2]},
          {"tokens", ids.size()}, {"peak_rss_mib", peak_rss_mib()},
          {"other_processes_cpu_s_max", *std::max_element(others.begin(), others.end())},
          // The peer's rule: quiet when no timed step lost 5 % of the median to other processes.
          {"quiet_machine", *std::max_element(others.begin(), others.end()) < 0.05 * times[times.size() / 2]}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
