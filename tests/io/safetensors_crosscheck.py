"""Independent safetensors reader/writer (json + torch only) to cross-check the C++ one.

usage: safetensors_crosscheck.py write PATH   -- write the reference tensors
       safetensors_crosscheck.py check PATH   -- read a file the C++ side wrote, verify
Run with the reference interpreter (.venv/bin/python, requirements/test.txt). Exit status 0 means agreement.
"""
import json
import struct
import sys

import torch

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
          "U8": torch.uint8, "BOOL": torch.bool}
# Same table as kCrossCheckSpecs in test_safetensors.cpp: name -> (dtype, shape).
SPECS = {"f64": ("F64", [2, 2]), "f32": ("F32", [3, 4]), "f16": ("F16", [5]), "bf16": ("BF16", [2, 3, 2]),
         "i64": ("I64", [3]), "i32": ("I32", [4, 1]), "i16": ("I16", [6]), "i8": ("I8", [7]),
         "u8": ("U8", [9]), "bool": ("BOOL", [10]), "scalar": ("F32", []), "empty": ("F32", [0, 3])}
# The reference writer's order: descending dtype alignment, then name.
RANK = {"BOOL": 0, "U8": 4, "I8": 5, "I16": 9, "F16": 11, "BF16": 12, "I32": 13, "F32": 15, "F64": 16, "I64": 17}


def expected(dtype, shape):
    """Deterministic values, mirrored by expected_tensor() in the C++ test."""
    n = 1
    for d in shape:
        n *= d
    i = torch.arange(n, dtype=torch.int64)
    if dtype in ("F64", "F32", "F16", "BF16"):
        v = (i.double() - n / 2.0) * 0.37
    elif dtype == "BOOL":
        v = i % 3 == 0
    elif dtype == "U8":
        v = (i * 37) % 256
    elif dtype == "I8":
        v = (i * 37) % 256 - 128
    elif dtype == "I64":
        v = i * (1 << 40) - (1 << 41)
    else:
        v = i * 1001 - 3000
    return v.to(DTYPES[dtype]).reshape(shape)


def read(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        raw = bytearray(blob[8 + n + b:8 + n + end])
        t = torch.frombuffer(raw, dtype=DTYPES[e["dtype"]]) if raw else torch.empty(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"])
    return n, header, meta, out


def write(path, tensors, meta):
    # Deliberately NOT the reference order (reverse name order, indented JSON):
    # the C++ reader must rely on offsets only.
    header, chunks, off = {"__metadata__": meta}, [], 0
    for name in sorted(tensors, reverse=True):
        t = tensors[name]
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        dtype = [k for k, v in DTYPES.items() if v == t.dtype][0]
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    text = json.dumps(header, indent=1).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        write(path, {k: expected(*v) for k, v in SPECS.items()}, {"origin": "python", "note": "x"})
        return 0
    n, header, meta, got = read(path)
    problems = []
    if n % 8 != 0:
        problems.append(f"header length {n} is not a multiple of 8")
    order = sorted(header, key=lambda k: header[k]["data_offsets"])
    want_order = sorted(header, key=lambda k: (-RANK[header[k]["dtype"]], k))
    if order != want_order:
        problems.append(f"tensor order {order} != reference order {want_order}")
    if meta != {"origin": "cpp", "format": "pt"}:
        problems.append(f"metadata {meta}")
    if set(got) != set(SPECS):
        problems.append(f"names {sorted(got)}")
    for name, (dtype, shape) in SPECS.items():
        if name in got and not (got[name].dtype == DTYPES[dtype] and torch.equal(got[name], expected(dtype, shape))):
            problems.append(f"tensor {name} differs: {got[name]}")
    for p in problems:
        print("crosscheck:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
