#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ (make fuzz-corpus).

Seeds come from the test fixtures (tests/goldens, tests/data, configs/models)
cut down to a few KB each, plus the hostile shapes issue 16 listed (huge
dimensions, truncation, offsets outside the file, deep nesting), so each
target starts at both the accepting and the refusing paths. Needs the .venv
(numpy, Pillow, safetensors). Deterministic: rerunning rewrites the same bytes.
"""
import gzip
import io
import json
import shutil
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from safetensors.numpy import save as st_save

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def st_header(header, data=b""):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def safetensors_seeds():
    small = {"f32": np.arange(6, dtype=np.float32).reshape(2, 3), "i64": np.array([1, -2], dtype=np.int64),
             "u8": np.zeros((2, 2), dtype=np.uint8), "f16": np.ones(3, dtype=np.float16),
             "b": np.array([True, False]), "scalar": np.array(3.5, dtype=np.float64),
             "empty": np.zeros((0, 4), dtype=np.float32)}
    put("safetensors", "valid_dtypes", st_save(small, metadata={"format": "pt"}))
    put("safetensors", "valid_one", st_save({"w": np.ones((2, 2), dtype=np.float32)}))
    bf16 = {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}
    put("safetensors", "bf16", st_header({"x": bf16}, b"\x80\x3f\x00\x40"))
    put("safetensors", "header_longer_than_file", struct.pack("<Q", 1 << 40) + b"{}")
    put("safetensors", "offsets_outside", st_header({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8))
    put("safetensors", "overlap", st_header({"x": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                                             "y": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, b"\0" * 6))
    put("safetensors", "hole", st_header({"x": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}}, b"\0" * 4))
    put("safetensors", "shape_overflow", st_header({"x": {"dtype": "F64", "shape": [1 << 62, 8], "data_offsets": [0, 8]}}, b"\0" * 8))
    put("safetensors", "bad_dtype", st_header({"x": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 1]}}, b"\0"))
    put("safetensors", "metadata_not_strings", st_header({"__metadata__": {"a": 1}}))
    put("safetensors", "truncated", st_save({"w": np.ones(8, dtype=np.float32)})[:-5])


def index_seeds():
    shard1, shard2 = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
    wm = {"a": shard1, "b": shard1, "c": shard2, "d": shard2}
    put("safetensors_index", "valid", compact({"metadata": {"total_size": 68}, "weight_map": wm}))
    put("safetensors_index", "missing_shard", compact({"weight_map": {"a": shard1, "z": "model-00003-of-00003.safetensors"}}))
    put("safetensors_index", "escapes_folder", compact({"weight_map": {"a": "../" + shard1}}))
    put("safetensors_index", "wrong_shard", compact({"weight_map": {"a": shard2}}))
    put("safetensors_index", "not_strings", compact({"weight_map": {"a": 1}}))
    other = st_save({"c": np.zeros(3, dtype=np.int64), "x": np.ones(2, dtype=np.float32)})
    put("safetensors_index", "with_shard2", compact({"weight_map": {"a": shard1, "c": shard2}}).encode() + b"\0" + other)
    put("safetensors_index", "with_bad_shard2", compact({"weight_map": {"c": shard2}}).encode() + b"\0" + other[:20])


def config_seeds():
    sources = [ROOT / "tests/goldens/llava_onevision/gqa_tied_p8/config.json",
               ROOT / "tests/goldens/llava_onevision/mha_untied_p16/config.json",
               ROOT / "configs/models/student.json", ROOT / "configs/models/llava-onevision-qwen2-0.5b.json"]
    base = None
    for p in sources:
        j = json.loads(p.read_text())
        base = base or j
        put("model_config", p.parent.name + "_" + p.stem, compact(j))
    def variant(name, edit):
        j = json.loads(json.dumps(base))
        edit(j)
        put("model_config", name, compact(j))
    variant("huge_layers", lambda j: j["text_config"].update(num_hidden_layers=10 ** 12))
    variant("huge_vocab", lambda j: j["text_config"].update(vocab_size=3 * 10 ** 7))
    variant("negative_heads", lambda j: j["vision_config"].update(num_attention_heads=-1))
    variant("unknown_family", lambda j: j.update(model_type="llama"))
    variant("float_size", lambda j: j["text_config"].update(hidden_size=16.5))
    variant("pinpoints_bad", lambda j: j.update(image_grid_pinpoints=[[0, 1 << 40]]))
    put("model_config", "deep", "[" * 600 + "]" * 600)


def tokenizer_json_seed():
    """The Qwen3 tokenizer of tests/data cut to its byte alphabet, its first
    merges and four special tokens (renumbered after the vocabulary)."""
    with gzip.open(ROOT / "tests/data/qwen3-tokenizer/tokenizer.json.gz", "rt", encoding="utf-8") as f:
        j = json.load(f)
    m = j["model"]
    keep = {t: i for t, i in m["vocab"].items() if i < 256 + 120}
    merges = [mg for mg in m["merges"][:120] if all(p in keep for p in mg) and "".join(mg) in keep]
    m["vocab"], m["merges"] = keep, merges
    n = max(keep.values()) + 1
    j["added_tokens"] = [dict(t, id=n + k) for k, t in enumerate(j["added_tokens"][:4])]
    return j


def tokenizer_seeds():
    j = tokenizer_json_seed()
    put("tokenizer_json", "qwen3_small", compact(j))
    def variant(name, edit):
        v = json.loads(json.dumps(j))
        edit(v)
        put("tokenizer_json", name, compact(v))
    variant("merge_outside_vocab", lambda v: v["model"]["merges"].append(["zz", "qq"]))
    variant("huge_sparse_id", lambda v: v["added_tokens"][0].update(id=2 ** 31 - 1))
    variant("string_merges", lambda v: v["model"].update(merges=[" ".join(mg) for mg in v["model"]["merges"]]))
    variant("no_normalizer", lambda v: v.update(normalizer=None))
    variant("nfkc_sequence", lambda v: v.update(normalizer={"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "NFD"}]}))
    variant("bad_regex", lambda v: v["pre_tokenizer"]["pretokenizers"][0]["pattern"].update(Regex="(?<=a+)[\\p{Zz}"))
    texts = {"ascii": "Hello, world! How many circles are there? 12345 don't",
             "chat": "<|im_start|>user\n<image>\nWhat colour?<|im_end|>\n<|im_start|>assistant\n",
             "unicode": "caf\u00e9 \u4e2d\u6587 \U0001F600 \u0645\u0631\u062d\u0628\u0627 e\u0301 \u212b",
             "spaces": "  \t\n\n   x  \r\n\u00a0\u3000 y\u0085",
             "digits": "3.14159 1,000,000 0x1F 12ab34"}
    for k, t in texts.items():
        put("tokenizer_encode", k, t)
    put("tokenizer_encode", "invalid_utf8", b"bad \xff\xfe \xc3( \xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 \xc0\xaf end")
    put("tokenizer_encode", "truncated_utf8", "\u4e2d\u6587".encode()[:-1])


def template_seeds():
    for p in sorted((ROOT / "tests/data/chat_templates").glob("*.jinja")):
        put("chat_template", p.stem, p.read_bytes())
    put("chat_template", "loops", "{% for m in messages %}{{ loop.index }}{{ m.role | upper }}"
        "{% if m.content is string %}{{ m.content | tojson }}{% else %}{% for c in m.content %}"
        "{{ c.type }}{% endfor %}{% endif %}{% endfor %}{{ range(3) | list | length }}"
        "{% set ns = namespace(x=1) %}{% set ns.x = ns.x * 2 %}{{ ns.x }}")
    put("chat_template", "macro", "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{{ n }}{% endmacro %}{{ f(5) }}"
        "{% generation %}{{ eos_token }}{% endgeneration %}{{ raise_exception('x') if false }}")


def record_seeds():
    ok = {"id": "ok1", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nWhat?"},
                                                          {"from": "gpt", "value": "red"}], "category": "attribute"}
    two = {"id": "two", "image": ["a.png", "sub/b.png"], "conversations": [
        {"from": "human", "value": "<image> and <image>"}, {"from": "gpt", "value": "A"},
        {"from": "human", "value": "more?"}, {"from": "gpt", "value": "B"}]}
    text = {"id": 7, "conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]}
    bad = [{"id": "missing", "image": "nope.png", "conversations": ok["conversations"]},
           {"id": "noanswer", "image": "a.png", "conversations": ok["conversations"][:1]},
           {"id": "order", "conversations": [{"from": "gpt", "value": "A"}, {"from": "human", "value": "Q"}]},
           {"id": "escape", "image": "../a.png", "conversations": ok["conversations"]},
           {"id": "absolute", "image": "/etc/passwd", "conversations": ok["conversations"]}]
    put("records", "jsonl", "\n".join(compact(r) for r in [ok, two, text]) + "\n")
    put("records", "json_array", compact([ok, two, text]))
    put("records", "bad_lines", "\n".join(compact(r) for r in bad) + "\n{not json\n\n" + "[" * 600 + "\n")
    put("records", "text_only", compact(text) + "\r\n" + compact(dict(text, id="x", extra={"k": [1, 2]})))


def png_bytes(img):
    b = io.BytesIO()
    img.save(b, "PNG")
    return b.getvalue()


def jpeg_bytes(img, **kw):
    b = io.BytesIO()
    img.save(b, "JPEG", **kw)
    return b.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def image_seeds():
    src = Image.open(ROOT / "tests/goldens/images/small_17x23.png").convert("RGB")
    put("image", "small_17x23.png", (ROOT / "tests/goldens/images/small_17x23.png").read_bytes())
    put("image", "gray_alpha.png", png_bytes(src.convert("LA")))
    put("image", "palette.png", png_bytes(src.convert("P")))
    put("image", "rgba16.png", png_bytes(src.resize((5, 4)).convert("I;16")))
    good = jpeg_bytes(src, quality=95)
    put("image", "q95.jpg", good)
    put("image", "progressive.jpg", jpeg_bytes(src, quality=80, progressive=True))
    put("image", "gray.jpg", jpeg_bytes(src.convert("L"), quality=90))
    put("image", "cmyk.jpg", jpeg_bytes(src.convert("CMYK"), quality=90))
    put("image", "q95_truncated.jpg", good[: len(good) // 2])
    png = png_bytes(src)
    put("image", "truncated.png", png[: len(png) // 2])
    # Headers claiming 20000 x 20000 pixels: little data, or a valid small deflate of zeros.
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
    put("image", "huge_header.png", b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b""))
    sof = good.index(b"\xff\xc0")
    put("image", "huge_header.jpg", good[: sof + 5] + struct.pack(">HH", 20000, 20000) + good[sof + 9:])


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    safetensors_seeds()
    index_seeds()
    config_seeds()
    tokenizer_seeds()
    template_seeds()
    record_seeds()
    image_seeds()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"make_corpus: {sum(1 for p in OUT.rglob('*') if p.is_file())} seeds, {total} bytes in {OUT}")


if __name__ == "__main__":
    sys.exit(main())
