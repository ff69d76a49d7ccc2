#pragma once
// libtorch's own serialization (optimizer state, RNG states, master weights)
// with vlsi's error contract: written atomically through io::write_file_atomic_with,
// so a full disk is one Error naming the file and never a torn file, and read
// errors name the file instead of libtorch's bare "PytorchStreamReader failed ...".
#include <torch/torch.h>

#include <functional>
#include <string>

namespace vlsi::train {

// The sink torch::save(value, writer) streams into.
using TorchWriter = std::function<size_t(const void*, size_t)>;

// save(writer) calls torch::save(value, writer); the bytes land in `path` atomically.
void save_torch_file(const std::string& path, const std::function<void(const TorchWriter&)>& save);

// Runs load() (a torch::load(value, path)); libtorch's errors become one line naming `path`.
void load_torch_file(const std::string& path, const std::function<void()>& load);

// The first line of an exception's message (libtorch's without its C++ backtrace).
std::string error_line(const std::exception& e);

}  // namespace vlsi::train
