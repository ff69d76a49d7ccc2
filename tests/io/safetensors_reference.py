"""The safetensors library (pinned in requirements/test.txt) against vlsi's
reader and writer, on every dtype torch and the format share.

usage: safetensors_reference.py write PATH   -- save the reference tensors with safetensors.torch.save_file
       safetensors_reference.py check PATH   -- load a file vlsi wrote with safetensors.torch.load_file and verify
Exit status 0 means agreement. The values mirror reference_tensor() in
tests/io/test_safetensors_reference.cpp.
"""
import sys

import torch
from safetensors.torch import load_file, save_file

# name -> (torch dtype, shape); same table as kLibrarySpecs in the C++ test.
SPECS = {
    "f64": (torch.float64, [2, 2]), "f32": (torch.float32, [3, 4]), "f16": (torch.float16, [5]),
    "bf16": (torch.bfloat16, [2, 3, 2]), "f8_e5m2": (torch.float8_e5m2, [6]),
    "f8_e4m3": (torch.float8_e4m3fn, [2, 3]), "f8_e8m0": (torch.float8_e8m0fnu, [4]),
    "i64": (torch.int64, [3]), "i32": (torch.int32, [4, 1]), "i16": (torch.int16, [6]), "i8": (torch.int8, [7]),
    "u64": (torch.uint64, [3]), "u32": (torch.uint32, [5]), "u16": (torch.uint16, [2, 2]), "u8": (torch.uint8, [9]),
    "bool": (torch.bool, [10]), "scalar": (torch.float32, []), "empty": (torch.float32, [0, 3]),
}
FLOATS = (torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.float8_e5m2, torch.float8_e4m3fn)


def expected(dtype, shape):
    n = 1
    for d in shape:
        n *= d
    i = torch.arange(n, dtype=torch.int64)
    if dtype in FLOATS:
        v = (i.double() - n / 2.0) * 0.37
    elif dtype == torch.float8_e8m0fnu:
        v = torch.pow(2.0, i.double() - 2)  # powers of two: the only values E8M0 holds
    elif dtype == torch.bool:
        v = i % 3 == 0
    elif dtype in (torch.uint8, torch.int8):
        v = (i * 37) % 256 - (128 if dtype == torch.int8 else 0)
    elif dtype in (torch.uint16, torch.uint32, torch.uint64):
        v = i * 40503 + 7
    elif dtype == torch.int64:
        v = i * (1 << 40) - (1 << 41)
    else:
        v = i * 1001 - 3000
    return v.to(dtype).reshape(shape)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        save_file({k: expected(*v) for k, v in SPECS.items()}, path, metadata={"format": "pt"})
        return 0
    got = load_file(path)
    bad = 0
    if sorted(got) != sorted(SPECS):
        print(f"names differ: {sorted(got)}", file=sys.stderr)
        return 1
    for name, (dtype, shape) in SPECS.items():
        t, want = got[name], expected(dtype, shape)
        same = t.dtype == want.dtype and list(t.shape) == list(want.shape) and torch.equal(t.view(torch.uint8) if t.numel() and t.element_size() == 1 else t, want.view(torch.uint8) if want.numel() and want.element_size() == 1 else want)
        if not same:
            print(f"{name}: got {t.dtype} {list(t.shape)}, expected {want.dtype} {shape}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
