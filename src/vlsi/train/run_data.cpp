#include "vlsi/train/run_data.h"

#include <cstdio>
#include <filesystem>
#include <iterator>

#include "vlsi/data/record.h"
#include "vlsi/data/template_chat.h"
#include "vlsi/dist/process_group.h"
#include "vlsi/io/json_util.h"
#include "vlsi/train/model_setup.h"

namespace vlsi::train {
namespace fs = std::filesystem;
using io::json;

json data_defaults() {
  return {{"train", ""},         {"val", ""},       {"images", ""},  {"max_length", 512},
          {"bad_records", "fail"}, {"system_prompt", false}, {"prefetch", 4},
          {"record_offset", 0},   // where in each epoch's order reading starts (data/loader.h)
          {"train_records_from", 0},  // the first usable record to train on (file order)
          {"train_records", 0}};  // > 0: train on N usable records from there only (a record budget)
}

json stage_data_defaults() {
  json d = data_defaults();
  for (auto& [key, value] : d.items()) value = nullptr;
  return d;
}

namespace {

struct DataSpec {
  std::string train, val, images;
  data::ChatFormat format;
  data::BadRecordPolicy policy;
  int64_t prefetch;
  int64_t record_offset;
  int64_t train_records_from;
  int64_t train_records;
};

DataSpec data_spec(const json& d, const std::string& where) {
  DataSpec s;
  s.train = io::get_field<std::string>(d, "train", where);
  check(!s.train.empty(), where, ": field 'data.train': expected a JSON/JSONL file, got an empty string");
  s.val = io::get_field<std::string>(d, "val", where);
  s.images = io::get_field<std::string>(d, "images", where);
  if (s.images.empty()) s.images = (fs::path(s.train).parent_path() / "images").string();
  s.format.max_length = io::get_field<int64_t>(d, "max_length", where);
  s.format.add_default_system = io::get_field<bool>(d, "system_prompt", where);
  s.policy = data::parse_bad_record_policy(io::get_field<std::string>(d, "bad_records", where));
  s.prefetch = io::get_field<int64_t>(d, "prefetch", where);
  s.record_offset = io::get_field<int64_t>(d, "record_offset", where);
  check(s.record_offset >= 0, where, ": field 'data.record_offset': expected >= 0, got ", s.record_offset);
  s.train_records_from = io::get_field<int64_t>(d, "train_records_from", where);
  check(s.train_records_from >= 0, where, ": field 'data.train_records_from': expected >= 0, got ",
        s.train_records_from);
  s.train_records = io::get_field<int64_t>(d, "train_records", where);
  check(s.train_records >= 0, where, ": field 'data.train_records': expected >= 0 (0 = every record), got ",
        s.train_records);
  check(s.format.max_length > 0, where, ": field 'data.max_length': expected > 0, got ", s.format.max_length);
  check(s.prefetch >= 0, where, ": field 'data.prefetch': expected >= 0, got ", s.prefetch);
  return s;
}

data::RecordSet load_split(const std::string& path, const DataSpec& s) {
  data::RecordLoadOptions o;
  o.image_dir = s.images;
  o.policy = s.policy;
  auto set = data::load_records(path, o);
  std::fprintf(stderr, "%s\n", set.report.summary().c_str());
  check(!set.records.empty(), path, ": no usable records");
  return set;
}

// The record budget: usable records [from, from + n) in file order (n = 0: to the end), so
// every run with the same budget trains on the same records whatever its seed or offset.
std::vector<data::Record> budgeted(data::RecordSet set, const DataSpec& s) {
  if (s.train_records == 0 && s.train_records_from == 0) return std::move(set.records);
  const int64_t have = int64_t(set.records.size());
  check(s.train_records_from < have, s.train, ": field 'data.train_records_from' is ", s.train_records_from,
        " but the file has ", have, " usable records");
  const int64_t n = s.train_records == 0 ? have - s.train_records_from : s.train_records;
  check(s.train_records_from + n <= have, s.train, ": fields 'data.train_records_from' + 'data.train_records' ask for ",
        "records up to ", s.train_records_from + n, " but the file has ", have, " usable ones");
  std::vector<data::Record> kept(std::make_move_iterator(set.records.begin() + s.train_records_from),
                                 std::make_move_iterator(set.records.begin() + s.train_records_from + n));
  std::fprintf(stderr, "%s: training on records %lld..%lld of %lld (data.train_records_from, data.train_records)\n",
               s.train.c_str(), static_cast<long long>(s.train_records_from),
               static_cast<long long>(s.train_records_from + n - 1), static_cast<long long>(have));
  return kept;
}

}  // namespace

void validate_data_config(const json& data_cfg, const std::string& where) { data_spec(data_cfg, where); }

RunData::RunData(const json& data_cfg, const text::Tokenizer& tok,
                 std::shared_ptr<const model::VisionProcessor> processor, const TrainerConfig& tc,
                 const std::string& where, std::shared_ptr<const text::jinja::ChatTemplate> chat_template,
                 const json& template_variables, const TeacherInputs* teacher) {
  DataSpec ds = data_spec(data_cfg, where);
  ds.format.chat_template = std::move(chat_template);
  ds.format.template_variables = template_variables;
  if (processor) data::use_image_tokens_of(*processor, ds.format);
  data::SampleEncoder encoder(tok, ds.format);
  data::LoaderOptions lo;
  lo.batch_size = tc.batch_size;
  lo.seed = tc.seed;
  lo.record_offset = ds.record_offset;
  lo.prefetch_batches = ds.prefetch;
  lo.policy = ds.policy;
  // Data parallel: trainer.batch_size is the global batch; this process reads its shard of each.
  const dist::ProcessGroup& group = dist::ProcessGroup::current();
  check(tc.batch_size % group.world_size() == 0, where, ": trainer.batch_size ", tc.batch_size,
        " is the global batch and must split evenly over the ", group.world_size(), " processes");
  lo.shard_index = group.rank();
  lo.shard_count = group.world_size();
  std::optional<data::SampleView> teacher_view;
  if (teacher) {
    data::ChatFormat f = ds.format;
    f.chat_template = teacher->chat_template;
    f.template_variables = teacher->template_variables;
    data::use_image_tokens_of(*teacher->processor, f);
    teacher_view = data::SampleView{teacher->processor, data::SampleEncoder(teacher->tokenizer, f)};
  }
  train_ = std::make_unique<data::DataLoader>(budgeted(load_split(ds.train, ds), ds), ds.images, processor, encoder, lo,
                                              std::move(teacher_view));
  if (!ds.val.empty() && group.is_main()) {  // validation runs on rank 0 alone
    data::LoaderOptions vo = lo;
    vo.shard_index = 0;
    vo.shard_count = 1;
    vo.shuffle = false;
    vo.record_offset = 0;  // validation is always the whole split from its start
    data::DataLoader val_loader(load_split(ds.val, ds).records, ds.images, processor, encoder, vo);
    int64_t n = tc.val_batches > 0 ? std::min(tc.val_batches, val_loader.steps_per_epoch()) : val_loader.steps_per_epoch();
    for (int64_t i = 0; i < n; ++i) val_.push_back(val_loader.next());
  }
}

BatchStream RunData::stream() {
  BatchStream s;
  data::DataLoader* loader = train_.get();
  s.next = [loader] { return loader->next(); };
  s.state = [loader] { return loader->position().to_json(); };
  s.restore = [loader](const json& j) {
    loader->seek(data::LoaderPosition::from_json(j, "trainer_state.json: data"));
  };
  return s;
}

void RunData::report_skipped() const {
  if (!train_->skipped().empty()) std::fprintf(stderr, "%s\n", train_->skipped_summary().c_str());
}

}  // namespace vlsi::train
