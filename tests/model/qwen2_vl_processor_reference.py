"""Reference for test_qwen2_vl_image_processor: runs transformers' slow
Qwen2VLImageProcessor (the PIL path) on images read with Pillow, and its
smart_resize over given sizes, and writes what the C++ processor must reproduce.

usage: qwen2_vl_processor_reference.py SPEC.json

SPEC: {"cases": [CASE, ...], "smart_resize": {"queries": [[h, w, factor, min_pixels, max_pixels], ...],
                                               "out": "results.json"}}
CASE: {"config": {...constructor arguments == preprocessor_config.json fields...},
       "images": [image paths], "out": "ref.safetensors", "save_dir": "folder for save_pretrained"}

A case writes pixel_values (float32 [patches, D]), image_grid_thw (int64 [N, 3])
and num_image_tokens (int64 [N]: grid_thw.prod() // merge_size**2, the count
Qwen2VLProcessor expands <|image_pad|> to); when transformers raises, it writes
the message to OUT.error instead. smart_resize results are [h, w] or
"error: message".
"""
import json
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file
from transformers import Qwen2VLImageProcessor
from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize


def run(case):
    image_processor = Qwen2VLImageProcessor(**case["config"])
    if case.get("save_dir"):
        image_processor.save_pretrained(case["save_dir"])
    images = [Image.open(p).convert("RGB") for p in case["images"]]
    try:
        out = image_processor(images)
    except ValueError as e:
        with open(case["out"] + ".error", "w") as f:
            f.write(str(e))
        return
    grid = np.asarray(out["image_grid_thw"]).astype(np.int64).reshape(-1, 3)
    tokens = grid.prod(axis=1) // image_processor.merge_size**2
    save_file({
        # Without rescale and normalize the patches stay uint8; the C++ side holds them as float32.
        "pixel_values": torch.from_numpy(np.ascontiguousarray(np.asarray(out["pixel_values"]).astype(np.float32))),
        "image_grid_thw": torch.from_numpy(np.ascontiguousarray(grid)),
        "num_image_tokens": torch.from_numpy(tokens),
    }, case["out"])


def resize_all(spec):
    results = []
    for h, w, factor, min_pixels, max_pixels in spec["queries"]:
        try:
            results.append(list(smart_resize(h, w, factor, min_pixels, max_pixels)))
        except (ValueError, ZeroDivisionError) as e:
            results.append(f"error: {e}")
    json.dump(results, open(spec["out"], "w"))


def main():
    spec = json.load(open(sys.argv[1]))
    for case in spec.get("cases", []):
        run(case)
    if "smart_resize" in spec:
        resize_all(spec["smart_resize"])


if __name__ == "__main__":
    main()
