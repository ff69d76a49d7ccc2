#pragma once
// The chunk layout of a PNG, checked before stb decodes it; both problems
// were found by fuzz/fuzz_image.cpp (docs/reliability.md, "Findings"):
//  - stb reallocates its IDAT buffer to the length a chunk claims before
//    checking the bytes are there: a 100-byte file claiming a 2 GB chunk
//    allocated 2 GB. A chunk that runs past the end of the file (or no IEND)
//    is refused as truncated, as Pillow refuses it.
//  - stb copies a zero-length IDAT with memcpy(NULL, src, 0), undefined
//    behaviour that UBSan reports. An empty IDAT adds nothing to the
//    compressed stream, so it is dropped (no pixel changes).
#include <string>
#include <string_view>

namespace vlsi::data {

// `png` ready for stb: a view of `png` itself when nothing is dropped (no
// copy), else of `storage`, which receives the copy without the empty IDATs.
// Fails with one line naming `where` when a chunk runs past the end. Bytes
// without the PNG signature are returned as they are for the decoder to judge.
std::string_view checked_png_chunks(std::string_view png, std::string& storage, const std::string& where);

}  // namespace vlsi::data
