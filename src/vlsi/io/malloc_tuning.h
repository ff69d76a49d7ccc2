#pragma once
// glibc serves every allocation over 128 KiB-32 MiB with a fresh mmap and
// returns it on free, so each activation tensor of a training step page-faults
// its memory in again (and the kernel zeroes it). Keeping freed blocks in the
// heap lets the next step reuse them: 5-8 % faster steps on the demo models
// (docs/benchmarks.md). Call once at start-up, before the big allocations.
namespace vlsi::io {

void keep_freed_memory_for_reuse();

}  // namespace vlsi::io
