#pragma once
// Batches for training: a seeded shuffle per epoch, and a background thread
// that prepares the next batches (image decode + resize + tokenise) while
// the caller trains on the current one.
//
// The data order depends only on (seed, epoch, record_offset), so a run resumed
// from a saved LoaderPosition sees exactly the batches the uninterrupted run would.
// record_offset rotates every epoch's order: loaders with one seed and offsets
// a, b read disjoint records in their first epochs while a + na <= b and
// b + nb <= a + n (record_range.h), which is how the stages of a recipe draw fresh data.
// Samples that fail while being prepared (an image that no longer decodes, a
// prompt longer than max_length) follow the bad-record policy: skip drops
// them from their batch and counts them, fail stops with their error.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "vlsi/data/collate.h"
#include "vlsi/data/image.h"
#include "vlsi/data/record.h"
#include "vlsi/model/vision_processor.h"

namespace vlsi::data {

struct LoaderOptions {
  int64_t batch_size = 8;
  bool shuffle = true;
  bool drop_last = false;  // drop the last, smaller batch of each epoch
  uint64_t seed = 0;
  int64_t record_offset = 0;  // start each epoch this many records into its order (wraps around)
  int64_t prefetch_batches = 4;  // how far the background thread may run ahead
  BadRecordPolicy policy = BadRecordPolicy::skip;
  // Data parallelism: batch_size is the global batch; this loader prepares only
  // its shard's contiguous slice of each one (shard_index of shard_count). An
  // epoch's last batch is dropped when it holds fewer records than shards.
  int64_t shard_index = 0;
  int64_t shard_count = 1;
};

// The batch next() returns next: `step` counts batches within `epoch`.
struct LoaderPosition {
  int64_t epoch = 0;
  int64_t step = 0;
  nlohmann::json to_json() const { return {{"epoch", epoch}, {"step", step}}; }
  static LoaderPosition from_json(const nlohmann::json& j, const std::string& where);
  bool operator==(const LoaderPosition& o) const { return epoch == o.epoch && step == o.step; }
};

// How samples become model inputs for one model: its processor and encoder.
struct SampleView {
  std::shared_ptr<const model::VisionProcessor> processor;
  SampleEncoder encoder;
};

class DataLoader {
 public:
  // `teacher`: a second view every batch also carries (Batch::teacher_view),
  // for a teacher of another family; a sample either view cannot prepare is
  // skipped (or fails) for both, so the two always hold the same samples.
  DataLoader(std::vector<Record> records, std::string image_dir,
             std::shared_ptr<const model::VisionProcessor> processor, SampleEncoder encoder, LoaderOptions options,
             std::optional<SampleView> teacher = std::nullopt);
  ~DataLoader();  // stops and joins the prefetch thread
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // The next batch; runs on into the next epoch after the last batch.
  // Rethrows an error raised while preparing it.
  Batch next();
  LoaderPosition position() const;
  // Continues from a saved position (discards anything prefetched).
  void seek(LoaderPosition pos);

  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  size_t size() const { return records_.size(); }
  // Record indices in the order epoch `epoch` visits them.
  std::vector<size_t> epoch_order(int64_t epoch) const;

  // Samples skipped while preparing batches (reason -> count) and a line about them.
  std::map<std::string, size_t> skipped() const;
  std::string skipped_summary() const;

 private:
  struct Skip {
    std::string reason, message;
  };
  // A prepared batch, or the error that stopped preparation at that point.
  struct Ready {
    LoaderPosition pos;  // where this batch sits
    Batch batch;
    std::vector<Skip> skips;  // samples dropped from it (counted when handed out)
    std::exception_ptr error;
  };
  void start(LoaderPosition from);
  void stop();
  void produce(LoaderPosition from);
  PreparedSample prepare(size_t index, const SampleEncoder& encoder, const model::VisionProcessor& processor) const;
  LoaderPosition advance(LoaderPosition p) const;

  const std::vector<Record> records_;
  const std::string image_dir_;
  const std::shared_ptr<const model::VisionProcessor> processor_;
  const SampleEncoder encoder_;
  const std::optional<SampleView> teacher_;
  const LoaderOptions options_;
  int64_t steps_per_epoch_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Ready> queue_;
  bool stopping_ = false;
  LoaderPosition next_pos_;  // of the batch next() hands out
  std::map<std::string, size_t> skipped_;
  std::vector<std::string> first_skips_;
  std::thread worker_;
};

}  // namespace vlsi::data
