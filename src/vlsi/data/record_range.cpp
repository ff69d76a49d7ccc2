#include "vlsi/data/record_range.h"

#include <algorithm>
#include <utility>

#include "vlsi/io/error.h"

namespace vlsi::data {

int64_t distinct_records(const std::vector<RecordRange>& ranges, int64_t n) {
  check(n > 0, "distinct_records: expected a dataset of at least one record, got ", n);
  // Each range is an arc of the circle 0..n-1; split the wrapping ones and merge.
  std::vector<std::pair<int64_t, int64_t>> spans;  // [begin, end)
  for (const auto& r : ranges) {
    check(r.offset >= 0 && r.count >= 0, "distinct_records: expected offset and count >= 0, got ", r.offset, " and ",
          r.count);
    if (r.count >= n) return n;
    const int64_t begin = r.offset % n, end = begin + r.count;
    if (end <= n) {
      spans.emplace_back(begin, end);
    } else {
      spans.emplace_back(begin, n);
      spans.emplace_back(0, end - n);
    }
  }
  std::sort(spans.begin(), spans.end());
  int64_t total = 0, covered_to = 0;
  for (const auto& [b, e] : spans) {
    const int64_t from = std::max(b, covered_to);
    if (e > from) total += e - from;
    covered_to = std::max(covered_to, e);
  }
  return total;
}

}  // namespace vlsi::data
