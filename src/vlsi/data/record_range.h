#pragma once
// The records a training run reads, described without loading anything: with
// one loader seed, a run that reads `count` records from `offset` (data/loader.h
// record_offset) reads positions offset .. offset+count-1 (mod n) of the first
// epoch's shuffled order, or every record once count >= n. Used to lay out a
// recipe's stages on disjoint ranges and to report how many distinct records
// each arm of an experiment trained on.
#include <cstdint>
#include <vector>

namespace vlsi::data {

struct RecordRange {
  int64_t offset = 0;  // the loader's record_offset
  int64_t count = 0;   // records read (steps x grad_accum x batch_size)
};

// Distinct records that `ranges` read together on a dataset of `n` records
// shuffled with one seed (exact: a range shorter than an epoch stays in the
// first epoch's order, a longer one reads everything).
int64_t distinct_records(const std::vector<RecordRange>& ranges, int64_t n);

}  // namespace vlsi::data
