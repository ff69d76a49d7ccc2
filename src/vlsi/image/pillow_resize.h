#pragma once
// Pillow's Image.resize for 8-bit RGB, bit for bit: what transformers runs
// when it resizes a uint8 image (it converts to PIL), and what our data
// pipeline resizes with.
#include "vlsi/image/rgb_image.h"

namespace vlsi::image {

// PIL.Image.Resampling values, as stored in preprocessor_config.json "resample".
enum class Resample { kNearest = 0, kLanczos = 1, kBilinear = 2, kBicubic = 3, kBox = 4, kHamming = 5 };

// True for the values Pillow accepts (0..5).
bool is_pillow_resample(int value);

// Image.resize((width, height), resample) with reducing_gap=None: a plain copy
// at the same size, nearest via Pillow's affine scale, the others via its
// two-pass fixed-point convolution (horizontal pass first, 8-bit in between).
Image pillow_resize(const Image& src, int width, int height, Resample filter);

}  // namespace vlsi::image
