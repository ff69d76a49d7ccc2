#include "vlsi/data/loader.h"

#include <algorithm>
#include <sstream>

#include "vlsi/data/rng.h"
#include "vlsi/data/sample_images.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"

namespace vlsi::data {

LoaderPosition LoaderPosition::from_json(const nlohmann::json& j, const std::string& where) {
  LoaderPosition p;
  p.epoch = io::get_field<int64_t>(j, "epoch", where);
  p.step = io::get_field<int64_t>(j, "step", where);
  return p;
}

DataLoader::DataLoader(std::vector<Record> records, std::string image_dir,
                       std::shared_ptr<const model::VisionProcessor> processor,
                       SampleEncoder encoder, LoaderOptions options, std::optional<SampleView> teacher)
    : records_(std::move(records)),
      image_dir_(std::move(image_dir)),
      processor_(std::move(processor)),
      encoder_(std::move(encoder)),
      teacher_(std::move(teacher)),
      options_(options) {
  check(!records_.empty(), "data loader: no records");
  check(options_.batch_size >= 1, "data loader: batch_size must be >= 1, got ", options_.batch_size);
  check(options_.record_offset >= 0, "data loader: record_offset must be >= 0, got ", options_.record_offset);
  check(options_.prefetch_batches >= 1, "data loader: prefetch_batches must be >= 1, got ", options_.prefetch_batches);
  check(options_.shard_count >= 1 && options_.shard_index >= 0 && options_.shard_index < options_.shard_count,
        "data loader: shard ", options_.shard_index, " of ", options_.shard_count, " does not exist");
  check(options_.batch_size % options_.shard_count == 0, "data loader: the batch of ", options_.batch_size,
        " records does not split evenly over ", options_.shard_count, " processes");
  const int64_t n = int64_t(records_.size()), b = options_.batch_size;
  const bool last_too_small = n % b != 0 && n % b < options_.shard_count;  // some shard would be empty
  steps_per_epoch_ = options_.drop_last || last_too_small ? n / b : (n + b - 1) / b;
  check(steps_per_epoch_ >= 1, "data loader: ", n, " records make no full batch of ", b, " (drop_last is set)");
  start(LoaderPosition{});
}

DataLoader::~DataLoader() { stop(); }

std::vector<size_t> DataLoader::epoch_order(int64_t epoch) const {
  std::vector<size_t> order(records_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (options_.shuffle) {
    Rng rng(Rng::mix({options_.seed, uint64_t(epoch)}));
    rng.shuffle(order);
  }
  std::rotate(order.begin(), order.begin() + options_.record_offset % int64_t(order.size()), order.end());
  return order;
}

LoaderPosition DataLoader::advance(LoaderPosition p) const {
  if (++p.step == steps_per_epoch_) {
    p.step = 0;
    ++p.epoch;
  }
  return p;
}

LoaderPosition DataLoader::position() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_pos_;
}

void DataLoader::seek(LoaderPosition pos) {
  check(pos.epoch >= 0 && pos.step >= 0 && pos.step < steps_per_epoch_, "data loader: position epoch ", pos.epoch,
        " step ", pos.step, " is outside an epoch of ", steps_per_epoch_, " steps");
  stop();
  start(pos);
}

void DataLoader::start(LoaderPosition from) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
    stopping_ = false;
    next_pos_ = from;
  }
  worker_ = std::thread([this, from] { produce(from); });
}

void DataLoader::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
}

PreparedSample DataLoader::prepare(size_t index, const SampleEncoder& encoder,
                                   const model::VisionProcessor& processor) const {
  const Record& r = records_[index];
  try {
    return prepare_sample(encoder, processor, r, image_dir_);
  } catch (const BadRecord&) {
    throw;
  } catch (const Error& e) {
    throw BadRecord(r.location + ": record '" + r.id + "': " + e.what() + " (" + reason::bad_image + ")",
                    reason::bad_image);
  }
}

void DataLoader::produce(LoaderPosition pos) {
  std::vector<size_t> order = epoch_order(pos.epoch);
  int64_t order_epoch = pos.epoch;
  std::vector<Skip> pending_skips;
  int64_t empty_steps = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || int64_t(queue_.size()) < options_.prefetch_batches; });
      if (stopping_) return;
    }
    Ready ready;
    ready.pos = pos;
    try {
      if (pos.epoch != order_epoch) {
        order = epoch_order(pos.epoch);
        order_epoch = pos.epoch;
      }
      const size_t global_begin = size_t(pos.step * options_.batch_size);
      const size_t global_size = std::min(global_begin + size_t(options_.batch_size), order.size()) - global_begin;
      const size_t shards = size_t(options_.shard_count), shard = size_t(options_.shard_index);
      const size_t begin = global_begin + global_size * shard / shards;
      const size_t end = global_begin + global_size * (shard + 1) / shards;
      std::vector<PreparedSample> samples, teacher_samples;
      for (size_t i = begin; i < end; ++i) {
        try {
          PreparedSample s = prepare(order[i], encoder_, *processor_);
          if (teacher_) teacher_samples.push_back(prepare(order[i], teacher_->encoder, *teacher_->processor));
          samples.push_back(std::move(s));
        } catch (const BadRecord& e) {
          if (options_.policy == BadRecordPolicy::fail) throw;
          pending_skips.push_back({e.reason, e.what()});
        }
      }
      const LoaderPosition here = pos;
      pos = advance(pos);
      // Every process must take every step together: a shard left empty by skips cannot drop out alone.
      check(!samples.empty() || options_.shard_count == 1, "data loader: every record of this process's shard of "
            "step ", here.step, " of epoch ", here.epoch, " was skipped; a data-parallel run cannot skip a step on one "
            "process. First: ", pending_skips.empty() ? "?" : pending_skips.front().message);
      if (samples.empty()) {
        // Every sample of this step was skipped: the step yields no batch.
        check(++empty_steps < steps_per_epoch_, "data loader: a whole epoch of samples was skipped; first: ",
              pending_skips.empty() ? "?" : pending_skips.front().message);
        continue;
      }
      empty_steps = 0;
      ready.batch = collate(samples, encoder_.pad_id());
      if (teacher_)
        ready.batch.teacher_view = std::make_shared<const Batch>(collate(teacher_samples, teacher_->encoder.pad_id()));
      ready.skips = std::move(pending_skips);
      pending_skips.clear();
    } catch (...) {
      ready.error = std::current_exception();
    }
    const bool failed = ready.error != nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(ready));
    }
    cv_.notify_all();
    if (failed) return;
  }
}

Batch DataLoader::next() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty(); });
  Ready& front = queue_.front();
  if (front.error) std::rethrow_exception(front.error);  // stays queued: later calls fail the same way
  Ready ready = std::move(front);
  queue_.pop_front();
  next_pos_ = advance(ready.pos);
  for (const auto& s : ready.skips) {
    ++skipped_[s.reason];
    if (first_skips_.size() < 5) first_skips_.push_back(s.message);
  }
  lock.unlock();
  cv_.notify_all();
  return std::move(ready.batch);
}

std::map<std::string, size_t> DataLoader::skipped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return skipped_;
}

std::string DataLoader::skipped_summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t total = 0;
  std::ostringstream os;
  for (const auto& [k, n] : skipped_) {
    os << (total ? ", " : "") << k << " " << n;
    total += n;
  }
  if (total == 0) return "data loader: no samples skipped";
  std::string reasons = os.str();
  std::ostringstream line;
  line << "data loader: skipped " << total << " samples (" << reasons << "); first: " << first_skips_.front();
  return line.str();
}

}  // namespace vlsi::data
