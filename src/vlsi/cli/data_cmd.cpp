// vlsi data shapes | check: generate the built-in benchmark, validate a dataset.
#include <cstdio>
#include <map>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/data/record.h"
#include "vlsi/data/shapes_dataset.h"
#include "vlsi/io/error.h"

namespace vlsi::cli {

namespace {

struct ShapesArgs {
  data::shapes::ShapesOptions opt;
  std::string format = "llava";
};

struct CheckArgs {
  std::string data;
  std::string images;
  std::string policy = "skip";
  bool header_only = false;
};

void run_shapes(ShapesArgs a) {
  a.opt.vlmevalkit = a.format == "vlmevalkit";
  check(!a.opt.vlmevalkit || a.opt.test > 0, "data shapes: --format vlmevalkit writes the test split; --test must be > 0");
  auto s = data::shapes::generate_shapes_dataset(a.opt);
  std::printf("wrote %lld records (generator version %d; train %lld, val %lld, test %lld) at %dx%d to %s in %.2f s\n",
              static_cast<long long>(s.records), a.opt.version, static_cast<long long>(a.opt.train),
              static_cast<long long>(a.opt.val), static_cast<long long>(a.opt.test), a.opt.image_size,
              a.opt.image_size, a.opt.out_dir.c_str(), s.seconds);
  for (const auto& [split, info] : s.meta["splits"].items()) {
    if (info["count"].get<int64_t>() == 0) continue;
    std::printf("  %-5s", split.c_str());
    for (const auto& [cat, n] : info["categories"].items()) std::printf(" %s=%lld", cat.c_str(), static_cast<long long>(n.get<int64_t>()));
    std::printf("\n");
  }
  if (a.opt.vlmevalkit)
    std::printf("  vlmevalkit/: shapes_mcq.tsv %lld rows (%lld questions x 4 rotations), shapes_yorn.tsv %lld rows, "
                "shapes_pope.tsv %lld rows\n",
                static_cast<long long>(s.vlmevalkit["shapes_mcq.tsv"].get<int64_t>()),
                static_cast<long long>(s.vlmevalkit["mcq_questions"].get<int64_t>()),
                static_cast<long long>(s.vlmevalkit["shapes_yorn.tsv"].get<int64_t>()),
                static_cast<long long>(s.vlmevalkit["shapes_pope.tsv"].get<int64_t>()));
}

void run_check(const CheckArgs& a) {
  data::RecordLoadOptions opt;
  opt.image_dir = a.images;
  opt.policy = data::parse_bad_record_policy(a.policy);
  opt.image_check = a.header_only ? data::ImageCheck::header : data::ImageCheck::decode;
  opt.locations_reported = 20;
  data::RecordSet set = data::load_records(a.data, opt);
  size_t with_image = 0, images = 0, turns = 0;
  std::map<std::string, size_t> categories, answer_types;
  for (const auto& r : set.records) {
    with_image += !r.images.empty();
    images += r.images.size();
    turns += r.conversations.size();
    std::string c = r.extra_string("category"), t = r.extra_string("answer_type");
    if (!c.empty()) ++categories[c];
    if (!t.empty()) ++answer_types[t];
  }
  std::printf("%s\n", set.report.summary().c_str());
  std::printf("records: %zu (with image %zu, text-only %zu), images: %zu, turns: %zu\n", set.records.size(), with_image,
              set.records.size() - with_image, images, turns);
  auto print_counts = [](const char* title, const std::map<std::string, size_t>& m) {
    if (m.empty()) return;
    std::printf("%s:", title);
    for (const auto& [k, n] : m) std::printf(" %s=%zu", k.c_str(), n);
    std::printf("\n");
  };
  print_counts("categories", categories);
  print_counts("answer types", answer_types);
  for (const auto& p : set.report.first_problems) std::printf("  %s\n", p.c_str());
  check(!set.records.empty(), a.data, ": no usable records");
}

}  // namespace

void register_data_commands(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Generate the built-in benchmark or validate a dataset");
  data->require_subcommand(1);

  auto shapes_args = std::make_shared<ShapesArgs>();
  auto* shapes = data->add_subcommand("shapes", "Generate the procedural shapes visual-reasoning benchmark");
  shapes->add_option("--out", shapes_args->opt.out_dir, "Output folder (images/, train/val/test.jsonl, meta.json)")->required();
  shapes->add_option("--seed", shapes_args->opt.seed, "Random seed (same seed, same files)")->default_val(0);
  shapes->add_option("--train", shapes_args->opt.train, "Training records")->default_val(0);
  shapes->add_option("--val", shapes_args->opt.val, "Validation records")->default_val(0);
  shapes->add_option("--test", shapes_args->opt.test, "Test records")->default_val(0);
  shapes->add_option("--image-size", shapes_args->opt.image_size, "Image width and height in pixels")->default_val(64);
  shapes->add_option("--grid", shapes_args->opt.grid,
                     "Place each object in its own cell of an N x N grid (0 = anywhere); with a vision patch of "
                     "image-size/N pixels every object falls in one patch")
      ->default_val(0);
  shapes->add_option("--generator-version", shapes_args->opt.version,
                     "Generator version: 3 asks ten categories (v2's seven plus relational, comparison, arithmetic); "
                     "2 reproduces version 2's files byte for byte")
      ->default_val(3);
  shapes->add_flag("!--no-describe", shapes_args->opt.describe_train,
                   "Do not add the \"list the objects\" exchange to training records");
  shapes->add_option("--format", shapes_args->format,
                     "llava: images/ and SPLIT.jsonl; vlmevalkit: also the test split as VLMEvalKit TSVs in "
                     "vlmevalkit/ (shapes_mcq.tsv circular MCQ, shapes_yorn.tsv MME pairs, shapes_pope.tsv)")
      ->capture_default_str()
      ->check(CLI::IsMember({"llava", "vlmevalkit"}));
  shapes->callback([shapes_args] { run_shapes(*shapes_args); });

  auto check_args = std::make_shared<CheckArgs>();
  auto* chk = data->add_subcommand("check", "Validate a LLaVA-style JSON/JSONL dataset and print counts");
  chk->add_option("--data", check_args->data, "Records file (.json array or .jsonl)")->required();
  chk->add_option("--images", check_args->images, "Folder the \"image\" paths are relative to")->default_val("");
  chk->add_option("--policy", check_args->policy, "Bad records: skip (count and report) or fail (stop at the first)")
      ->default_val("skip")
      ->check(CLI::IsMember({"skip", "fail"}));
  chk->add_flag("--header-only", check_args->header_only, "Check image headers only instead of decoding every image");
  chk->callback([check_args] { run_check(*check_args); });
}

}  // namespace vlsi::cli
