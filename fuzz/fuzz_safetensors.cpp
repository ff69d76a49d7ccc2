// libFuzzer target: one .safetensors file (header JSON, dtypes, shapes, data
// offsets), opened through the real memory-mapping reader and read back.
// SafetensorsFile takes only a path (it maps the file), so each input is
// written to a scratch file on tmpfs.
#include "fuzz/fuzz_support.h"
#include "vlsi/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = vlsi::fuzz::write_scratch("model.safetensors", data, size);
  vlsi::fuzz::expect_only_vlsi_errors([&] {
    vlsi::io::SafetensorsFile file(path);
    uint64_t covered = 0;
    for (const auto& name : file.names()) {
      const auto& e = file.entry(name);
      vlsi::fuzz::require(e.begin <= e.end && e.end <= file.data_bytes(), "tensor offsets inside the data section");
      covered += e.nbytes();
      const torch::Tensor t = file.load(name);
      vlsi::fuzz::require(uint64_t(t.numel()) * t.element_size() == e.nbytes(), "loaded bytes equal the offsets'");
      const torch::Tensor m = file.mapped(name);
      if (m.defined()) vlsi::fuzz::require(m.numel() == t.numel(), "mapped and loaded tensors agree");
    }
    vlsi::fuzz::require(covered == file.data_bytes(), "tensors tile the data section");
  });
  return 0;
}
