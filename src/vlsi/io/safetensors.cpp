#include "vlsi/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/read_file.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian; this reader copies bytes as-is");

namespace vlsi::io {
namespace {

// The reference reader refuses headers above 100 MB; so do we (a corrupt length
// would otherwise make us parse a huge blob).
constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
  int size;
  int alignment_rank;  // position in the reference Dtype enum: larger = written first
};

const DtypeInfo kDtypes[] = {
    {"BOOL", torch::kBool, 1, 0},          {"U8", torch::kUInt8, 1, 4},
    {"I8", torch::kInt8, 1, 5},            {"F8_E5M2", torch::kFloat8_e5m2, 1, 6},
    {"F8_E4M3", torch::kFloat8_e4m3fn, 1, 7}, {"F8_E8M0", torch::kFloat8_e8m0fnu, 1, 8},
    {"I16", torch::kInt16, 2, 9},          {"U16", torch::kUInt16, 2, 10},
    {"F16", torch::kHalf, 2, 11},          {"BF16", torch::kBFloat16, 2, 12},
    {"I32", torch::kInt32, 4, 13},         {"U32", torch::kUInt32, 4, 14},
    {"F32", torch::kFloat, 4, 15},         {"F64", torch::kDouble, 8, 16},
    {"I64", torch::kLong, 8, 17},          {"U64", torch::kUInt64, 8, 18},
};
// Valid in the format but with no torch dtype (sub-byte floats): named in the error.
const char* const kKnownUnsupported[] = {"F4", "F6_E2M3", "F6_E3M2"};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeInfo& dtype_of(torch::ScalarType type) {
  for (const auto& d : kDtypes)
    if (d.type == type) return d;
  fail("safetensors: torch dtype ", c10::toString(type), " has no safetensors equivalent");
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string safetensors_dtype_name(torch::ScalarType type) { return dtype_of(type).name; }

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  fd_ = open_regular_file(path);  // a FIFO or device is refused, never waited on
  try {
    struct stat st {};
    check(::fstat(fd_, &st) == 0, path, ": cannot stat (", std::strerror(errno), ")");
    file_size_ = static_cast<uint64_t>(st.st_size);
    check(file_size_ >= 8, path, ": file has ", file_size_, " bytes, too short for the 8-byte header length");
    // Private and writable: tensors handed out by mapped() may be written to;
    // the kernel copies a page on its first write and the file never changes.
    void* m = ::mmap(nullptr, file_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0);
    check(m != MAP_FAILED, path, ": cannot map into memory (", std::strerror(errno), ")");
    const uint64_t size = file_size_;
    mapping_ = std::shared_ptr<uint8_t>(static_cast<uint8_t*>(m), [size](uint8_t* p) { ::munmap(p, size); });
    map_ = mapping_.get();
    uint64_t header_len = read_u64_le(map_);
    check(header_len <= kMaxHeaderBytes, path, ": header length ", header_len, " exceeds the 100 MB limit (corrupt file?)");
    check(header_len <= file_size_ - 8, path, ": header length ", header_len, " exceeds the ", file_size_ - 8,
          " bytes after the length field (truncated or corrupt file)");
    data_start_ = 8 + header_len;
    data_size_ = file_size_ - data_start_;
    parse_header(header_len);
  } catch (...) {
    mapping_.reset();
    ::close(fd_);
    throw;
  }
}

// The mapping itself lives on while tensors from mapped() do.
SafetensorsFile::~SafetensorsFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SafetensorsFile::parse_header(uint64_t header_len) {
  using nlohmann::json;
  const char* text = reinterpret_cast<const char*>(map_ + 8);
  json header;
  try {
    header = parse_json(std::string_view(text, header_len), "header");
  } catch (const Error& e) {
    fail(path_, ": header is not valid JSON (", e.what(), ")");
  }
  check(header.is_object(), path_, ": header is not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      check(v.is_object(), path_, ": __metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        check(m.value().is_string(), path_, ": __metadata__ entry '", m.key(), "' is not a string");
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto where = [&] { return path_ + ": tensor '" + name + "'"; };
    check(v.is_object(), where(), ": header entry is not an object");
    auto dt = v.find("dtype");
    auto sh = v.find("shape");
    auto off = v.find("data_offsets");
    check(dt != v.end() && dt->is_string(), where(), ": missing or non-string 'dtype'");
    check(sh != v.end() && sh->is_array(), where(), ": missing or non-array 'shape'");
    check(off != v.end() && off->is_array() && off->size() == 2, where(), ": 'data_offsets' must be [begin, end]");

    TensorEntry e;
    e.name = name;
    e.dtype = dt->get<std::string>();
    const DtypeInfo* info = find_dtype(e.dtype);
    if (!info) {
      bool known = std::any_of(std::begin(kKnownUnsupported), std::end(kKnownUnsupported),
                               [&](const char* n) { return e.dtype == n; });
      fail(where(), ": dtype '", e.dtype, known ? "' has no torch equivalent (sub-byte float)" : "' is unknown");
    }
    e.scalar_type = info->type;
    uint64_t numel = 1;
    for (const auto& d : *sh) {
      check(d.is_number_unsigned(), where(), ": shape entries must be non-negative integers");
      uint64_t dim = d.get<uint64_t>();
      check(dim <= static_cast<uint64_t>(INT64_MAX) && !__builtin_mul_overflow(numel, dim, &numel), where(),
            ": shape overflows");
      e.shape.push_back(static_cast<int64_t>(dim));
    }
    for (const auto& o : *off) check(o.is_number_unsigned(), where(), ": data_offsets must be non-negative integers");
    e.begin = (*off)[0].get<uint64_t>();
    e.end = (*off)[1].get<uint64_t>();
    check(e.begin <= e.end, where(), ": data_offsets [", e.begin, ", ", e.end, "] end before they begin");
    check(e.end <= data_size_, where(), ": data_offsets [", e.begin, ", ", e.end, "] exceed the data section of ",
          data_size_, " bytes (truncated file?)");
    uint64_t nbytes = 0;
    check(!__builtin_mul_overflow(numel, static_cast<uint64_t>(info->size), &nbytes), where(), ": shape overflows");
    check(nbytes == e.nbytes(), where(), ": shape ", sh->dump(), " of ", e.dtype, " needs ", nbytes,
          " bytes but data_offsets span ", e.nbytes());
    entries_.emplace(name, std::move(e));
  }

  // The data section must be tiled exactly: no overlap, no hole, nothing after.
  std::vector<const TensorEntry*> order;
  for (const auto& kv : entries_) order.push_back(&kv.second);
  std::stable_sort(order.begin(), order.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t expected = 0;
  const TensorEntry* prev = nullptr;
  for (const TensorEntry* e : order) {
    check(e->begin >= expected, path_, ": tensor '", e->name, "': data_offsets [", e->begin, ", ", e->end,
          "] overlap tensor '", prev ? prev->name : "", "'");
    check(e->begin == expected, path_, ": tensor '", e->name, "' starts at byte ", e->begin,
          " but the previous tensor ends at ", expected, " (hole in the data section)");
    expected = e->end;
    prev = e;
    names_.push_back(e->name);
  }
  check(expected == data_size_, path_, ": tensors cover ", expected, " bytes but the data section has ", data_size_,
        " (trailing bytes or corrupt offsets)");
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  check(it != entries_.end(), path_, ": no tensor named '", name, "'");
  return it->second;
}

torch::Tensor SafetensorsFile::load(const std::string& name) const {
  const TensorEntry& e = entry(name);
  torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(e.scalar_type));
  if (e.nbytes() > 0) std::memcpy(t.data_ptr(), map_ + data_start_ + e.begin, e.nbytes());
  return t;
}

torch::Tensor SafetensorsFile::mapped(const std::string& name) const {
  const TensorEntry& e = entry(name);
  uint8_t* src = mapping_.get() + data_start_ + e.begin;
  if (e.nbytes() == 0 || reinterpret_cast<uintptr_t>(src) % c10::elementSize(e.scalar_type) != 0) return {};
  std::shared_ptr<uint8_t> keep = mapping_;
  return torch::from_blob(
      src, e.shape, [keep](void*) mutable { keep.reset(); }, torch::TensorOptions().dtype(e.scalar_type));
}

void SafetensorsFile::load_into(const std::string& name, torch::Tensor& dst) const {
  const TensorEntry& e = entry(name);
  check(dst.sizes().vec() == e.shape, path_, ": tensor '", name, "' has shape ", c10::IntArrayRef(e.shape),
        ", destination has ", dst.sizes());
  if (e.nbytes() == 0) return;
  const uint8_t* src = map_ + data_start_ + e.begin;
  torch::NoGradGuard no_grad;
  if (reinterpret_cast<uintptr_t>(src) % c10::elementSize(e.scalar_type) == 0) {
    // Read straight from the mapping (never written: it is only the source of the copy).
    auto view = torch::from_blob(const_cast<uint8_t*>(src), e.shape, torch::TensorOptions().dtype(e.scalar_type));
    dst.copy_(view);
  } else {
    dst.copy_(load(name));
  }
  // The copy is all a parameter needs: hand the mapped pages back, so loading a
  // model holds one copy of the weights (plus one tensor), not two.
  // Whole pages inside this tensor only: a neighbour may be a mapped() tensor
  // whose written (copied) pages must stay.
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(src) + page - 1) & ~(page - 1);
  const uintptr_t hi = (reinterpret_cast<uintptr_t>(src) + e.nbytes()) & ~(page - 1);
  if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

void save_safetensors(const std::string& path, const NamedTensors& tensors, const StringMap& metadata) {
  struct Item {
    std::string name;
    torch::Tensor data;
    const DtypeInfo* info;
  };
  std::vector<Item> items;
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    check(!name.empty(), path, ": tensor with an empty name");
    check(name != "__metadata__", path, ": '__metadata__' is reserved and cannot name a tensor");
    check(seen.insert(name).second, path, ": tensor '", name, "' given twice");
    check(t.defined(), path, ": tensor '", name, "' is undefined");
    check(t.layout() == torch::kStrided, path, ": tensor '", name, "' is not dense");
    items.push_back({name, t.detach().to(torch::kCPU).contiguous(), &dtype_of(t.scalar_type())});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.info->alignment_rank != b.info->alignment_rank) return a.info->alignment_rank > b.info->alignment_rank;
    return a.name < b.name;
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& it : items) {
    uint64_t n = static_cast<uint64_t>(it.data.numel()) * it.info->size;
    header[it.name] = {{"dtype", it.info->name}, {"shape", it.data.sizes().vec()}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint8_t len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * i));

  write_file_atomic_with(path, [&](std::FILE* f) {
    auto put = [&](const void* p, size_t n) {
      if (n && std::fwrite(p, 1, n, f) != n) fail(path, ": short write (", std::strerror(errno), ")");
    };
    put(len_bytes, 8);
    put(text.data(), text.size());
    for (const auto& it : items) put(it.data.data_ptr(), static_cast<size_t>(it.data.numel()) * it.info->size);
  });
}

std::map<std::string, torch::Tensor> load_safetensors(const std::string& path) {
  SafetensorsFile file(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& name : file.names()) out.emplace(name, file.load(name));
  return out;
}

}  // namespace vlsi::io
