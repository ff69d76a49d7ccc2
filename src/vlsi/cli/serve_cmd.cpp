// vlsi serve: an OpenAI-compatible chat completions server for a model folder
// (and optionally its teacher), src/vlsi/serve/, with a page at / and the
// verbalized layers' answers at /v1/vlsi/layers. Prints its URL once it
// listens; Ctrl-C or SIGTERM ends it cleanly (running requests get a 503).
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "vlsi/cli/chat_model.h"
#include "vlsi/cli/commands.h"
#include "vlsi/cli/verbalized_exits.h"
#include "vlsi/distill/served_folders.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/read_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/limits.h"
#include "vlsi/serve/chat_server.h"
#include "vlsi/train/trainer.h"

namespace vlsi::cli {
namespace {

struct ServeArgs {
  std::string model_dir, teacher_dir, model_id, teacher_id;
  std::string host = "127.0.0.1";
  int64_t port = 8000;
  int64_t max_image_pixels = 16 * 1024 * 1024;
  serve::ServerLimits limits;
  int64_t max_body_bytes = int64_t(32) << 20;
  int64_t max_images = 8;
  std::string device = "cpu", dtype;
  int64_t threads = 0;
};

// The folder's name: what clients put in "model" unless --model-id says otherwise.
std::string folder_id(const std::string& dir) {
  std::string name = std::filesystem::path(dir).lexically_normal().filename().string();
  if (name.empty() || name == ".") name = std::filesystem::path(dir).lexically_normal().parent_path().filename().string();
  return name.empty() ? "model" : name;
}

serve::ServedModel served(ChatModel& m, const std::string& id) {
  serve::ServedModel s;
  s.id = id;
  s.model = m.model();
  s.encoder = &m.encoder();
  s.processor = &m.processor();
  const auto o = m.generation_options();
  s.pad_id = o.pad_id;
  s.stop_ids = o.stop_ids;
  // Verbalizers and pairing, when the folder carries them, feed POST /v1/vlsi/layers.
  if (has_verbalizers(m.dir())) s.exits = load_verbalized_exits(m);
  const std::string pairing = m.dir() + "/" + distill::kLayerPairingFile;
  if (io::file_exists(pairing))  // checked (and its matches recomputed) as the recipe wrote it
    s.pairing = distill::layer_pairing_from_interact(io::read_json_file(pairing), pairing);
  return s;
}

void run_serve(ServeArgs& a, bool pixels_given) {
  check(a.port >= 0 && a.port <= 65535, "serve: --port must be in 0..65535, got ", a.port);
  check(a.max_image_pixels >= 1, "serve: --max-image-pixels must be >= 1, got ", a.max_image_pixels);
  check(a.max_body_bytes >= 1, "serve: --max-body-bytes must be >= 1, got ", a.max_body_bytes);
  check(a.max_images >= 0, "serve: --max-images must be >= 0, got ", a.max_images);
  a.limits.max_body_bytes = size_t(a.max_body_bytes);
  a.limits.max_images = size_t(a.max_images);
  a.limits.validate();
  if (!a.limits.image_dir.empty())
    check(std::filesystem::is_directory(a.limits.image_dir), "serve: --image-dir ", a.limits.image_dir,
          " is not a folder");
  // The image decoder's own limit (checked from the header, before any pixel
  // is allocated) is the server's: the flag, else the environment, else 16M.
  if (pixels_given || !std::getenv(io::limits::kImagePixels.env))
    ::setenv(io::limits::kImagePixels.env, std::to_string(a.max_image_pixels).c_str(), 1);
  // Signals go to the watcher thread only: blocked here, before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that hangs up mid-stream must not kill the server.
  ::signal(SIGPIPE, SIG_IGN);

  train::set_compute_threads(a.threads);
  ChatModel student(a.model_dir, a.device, a.dtype);
  std::vector<serve::ServedModel> models{served(student, a.model_id.empty() ? folder_id(a.model_dir) : a.model_id)};
  // The teacher is served beside the student (requests pick it by "model"),
  // which is what a side-by-side page or layer panel builds on.
  std::unique_ptr<ChatModel> teacher;
  if (!a.teacher_dir.empty()) {
    teacher = std::make_unique<ChatModel>(a.teacher_dir, a.device, a.dtype);
    models.push_back(served(*teacher, a.teacher_id.empty() ? folder_id(a.teacher_dir) : a.teacher_id));
  }
  serve::ChatServer server(models, a.limits);
  const int port = server.bind(a.host, int(a.port));
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    const timespec tick{0, 200'000'000};
    while (!done.load()) {
      if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
        std::fprintf(stderr, "vlsi serve: stopping\n");
        server.stop();
        return;
      }
    }
  });
  std::printf("vlsi serve: http://%s:%d/v1 (models:", a.host.c_str(), port);
  for (const auto& m : models) std::printf(" %s", m.id.c_str());
  std::printf(")\n");
  std::fflush(stdout);
  server.listen();
  done.store(true);
  watcher.join();
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "OpenAI-compatible chat completions server (POST /v1/chat/completions)");
  cmd->add_option("--model", a->model_dir, "model folder to serve")->required();
  cmd->add_option("--teacher", a->teacher_dir, "a second model folder served beside it (e.g. the VLsI teacher)");
  cmd->add_option("--model-id", a->model_id, "the id clients name in \"model\" (default: the folder's name)");
  cmd->add_option("--teacher-id", a->teacher_id, "the teacher's id (default: its folder's name)");
  cmd->add_option("--host", a->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", a->port, "port to listen on (0 = any free port, printed at startup)")->capture_default_str();
  cmd->add_option("--image-dir", a->limits.image_dir,
                  "allow file:///PATH image URLs for files inside this folder (default: data: URLs only)");
  auto* pixels = cmd->add_option("--max-image-pixels", a->max_image_pixels,
                                 "largest image (width x height), checked from its header before decoding")
                     ->capture_default_str();
  cmd->add_option("--max-images", a->max_images, "image parts per request")->capture_default_str();
  cmd->add_option("--max-body-bytes", a->max_body_bytes, "largest request body (413 above)")->capture_default_str();
  cmd->add_option("--max-prompt-tokens", a->limits.max_prompt_tokens,
                  "longest prompt in tokens (0 = the model's context - 1)")->capture_default_str();
  cmd->add_option("--max-tokens", a->limits.max_tokens, "largest max_tokens a request may ask, and its default")
      ->capture_default_str();
  cmd->add_option("--request-timeout", a->limits.request_timeout_s, "seconds a request may take in all (408 after)")
      ->capture_default_str();
  cmd->add_option("--read-timeout", a->limits.read_timeout_s, "seconds one socket read or write may stall")
      ->capture_default_str();
  cmd->add_option("--body-timeout", a->limits.body_timeout_s, "seconds the whole request body may take (408 after)")
      ->capture_default_str();
  cmd->add_option("--max-batch", a->limits.max_batch, "requests decoded together (continuous batching)")
      ->capture_default_str();
  cmd->add_option("--max-waiting", a->limits.max_waiting, "requests queued beyond a full batch (429 beyond)")
      ->capture_default_str();
  add_runtime_flags(cmd, a->device, a->dtype, a->threads);
  cmd->callback([a, pixels] { run_serve(*a, pixels->count() > 0); });
}

}  // namespace vlsi::cli
