"""Reference for test_llava_onevision_processor: runs transformers'
LlavaOnevisionImageProcessor and LlavaOnevisionProcessor on images read with
Pillow and writes what the C++ processor must reproduce.

usage: llava_onevision_processor_reference.py SPEC.json

SPEC.json holds one SPEC or {"cases": [SPEC, ...]} (one process: the import is slow).

SPEC: {"config": {...preprocessor fields...}, "samples": [[image paths], ...],
       "flat": false, "num_image_tokens": 16, "vision_aspect_ratio": "anyres_max_9",
       "vision_feature_select_strategy": "full", "out": "ref.safetensors",
       "save_dir": "folder for save_pretrained" (optional)}
"flat" passes the images as one flat list (every image its own sample).
Output tensors: pixel_values_<i> (float32, per image, after do_pad), image_sizes
(int64 [N, 2]), num_image_tokens (int64 [N], <image> tokens per image after
the processor's expansion).
"""
import json
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file
from transformers import LlavaOnevisionImageProcessor, LlavaOnevisionProcessor


def run(spec):
    image_processor = LlavaOnevisionImageProcessor(**spec["config"])
    if spec.get("save_dir"):
        image_processor.save_pretrained(spec["save_dir"])
    samples = [[Image.open(p).convert("RGB") for p in s] for s in spec["samples"]]
    images = [im for s in samples for im in s] if spec.get("flat") else samples

    out = image_processor(images)
    tensors = {}
    for i, pv in enumerate(out["pixel_values"]):
        tensors[f"pixel_values_{i}"] = torch.from_numpy(np.ascontiguousarray(np.asarray(pv).astype(np.float32)))
    tensors["image_sizes"] = torch.tensor(np.asarray(out["image_sizes"]), dtype=torch.int64).reshape(-1, 2)

    # Token counts through the expansion LlavaOnevisionProcessor.__call__ runs
    # (_expand_image_tokens); built without __init__, which insists on a video
    # processor (torchvision) and a tokenizer that the expansion never uses.
    processor = LlavaOnevisionProcessor.__new__(LlavaOnevisionProcessor)
    processor.image_processor = image_processor
    processor.num_image_tokens = spec["num_image_tokens"]
    processor.vision_feature_select_strategy = spec.get("vision_feature_select_strategy", "full")
    processor.vision_aspect_ratio = spec.get("vision_aspect_ratio", "anyres_max_9")
    groups = [[im] for s in samples for im in s] if spec.get("flat") else samples
    text = [" x ".join(["<image>"] * len(s)) for s in groups]
    height, width = np.asarray(out["pixel_values"][0][0]).shape[-2:]
    expanded, _ = processor._expand_image_tokens(
        text, iter(out["image_sizes"]), height, width, "<image>", iter(out["batch_num_images"])
    )
    counts = [run.count("<image>") for sample in expanded for run in sample.split(" x ")]
    tensors["num_image_tokens"] = torch.tensor(counts, dtype=torch.int64)
    save_file(tensors, spec["out"])


def main():
    spec = json.load(open(sys.argv[1]))
    for case in spec.get("cases", [spec]):
        run(case)


if __name__ == "__main__":
    main()
