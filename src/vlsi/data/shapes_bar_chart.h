#pragma once
// The bar chart of the chart and arithmetic categories: bars of values 1..6
// over faint grid lines, one palette colour per bar, left to right.
#include <string>
#include <vector>

#include "vlsi/data/image.h"

namespace vlsi::data::shapes {

struct Bar {
  int colour = 0;  // index into palette()
  int value = 1;   // 1..6 grid units tall
};

Image draw_bar_chart(const std::vector<Bar>& bars, int size);

// "red 4, blue 2": the bars left to right, the charts' dense training target.
std::string describe_bars(const std::vector<Bar>& bars);

}  // namespace vlsi::data::shapes
