"""Reference for test_transformers_round_trip: loads folders that vlsi wrote
with transformers (and an adapter with peft) and reruns the forward passes
that `vlsi forward` wrote, so the C++ test can compare.

usage: round_trip_reference.py SPEC.json OUT.json

SPEC.json: {"cases": [CASE, ...]} (one process: the imports take seconds).
CASE: {"name": "...", "model": "model folder",
       "adapter": "adapter folder" (optional: PeftModel.from_pretrained on the model),
       "forward": [{"file": "F.safetensors from vlsi forward", "images": [paths]}, ...],
       "processor": true (optional: also run AutoProcessor from the model folder
                          on each forward file's prompt and images)}
Each forward file holds input_ids, attention_mask, logits and, with images,
pixel_values and image_sizes + batch_num_images (LLaVA-OneVision) or
image_grid_thw (Qwen2-VL); its metadata holds "prompt". The model class
follows config.json's model_type.

OUT.json: {NAME: {"loading": {"missing_keys": [...], "unexpected_keys": [...],
                              "mismatched_keys": [...], "error_msgs": [...],
                              "warnings": [...],
                              with an adapter also "adapter_missing_keys": [...],
                              "adapter_unexpected_keys": [...]},
                  "forward": [{"file": F, "max_abs_logit_diff": D,
                               "processor": {"input_ids_equal": bool,
                                             "max_abs_pixel_diff": D,
                                             "image_sizes_equal": bool (or "image_grid_thw_equal"),
                                             "error": "..."}}, ...]}}
A case that cannot run at all has "error": "..." instead.
"""
import json
import logging
import sys
import traceback
import warnings

import torch
from peft import PeftModel
from peft.utils import get_peft_model_state_dict, load_peft_weights
from PIL import Image
from safetensors import safe_open
from transformers import (AutoConfig, AutoImageProcessor, AutoProcessor, LlavaOnevisionForConditionalGeneration, Qwen2ForCausalLM,
                          Qwen2VLForConditionalGeneration)
from transformers.utils import logging as hf_logging


class Captured:
    """Warnings from Python's warnings module and from the transformers/peft loggers."""

    def __init__(self):
        self.messages = []

    def __enter__(self):
        self._catch = warnings.catch_warnings(record=True)
        self._records = self._catch.__enter__()
        warnings.simplefilter("always")
        self._handler = logging.Handler(logging.WARNING)
        self._handler.emit = lambda record: self.messages.append(record.getMessage())
        self._loggers = [hf_logging.get_logger("transformers"), logging.getLogger("peft")]
        for logger in self._loggers:
            logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc):
        for logger in self._loggers:
            logger.removeHandler(self._handler)
        self._catch.__exit__(*exc)
        self.messages += [str(w.message) for w in self._records]
        return False


def read_forward(path):
    with safe_open(path, "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata() or {}


MODEL_CLASSES = {"llava_onevision": LlavaOnevisionForConditionalGeneration, "qwen2_vl": Qwen2VLForConditionalGeneration,
                 "qwen2": Qwen2ForCausalLM}


def model_inputs(t):
    keys = ["input_ids", "attention_mask", "pixel_values", "image_sizes", "batch_num_images", "image_grid_thw"]
    return {k: t[k] for k in keys if k in t}


def load_model(case):
    model_class = MODEL_CLASSES[AutoConfig.from_pretrained(case["model"]).model_type]
    with Captured() as captured:
        model, info = model_class.from_pretrained(
            case["model"], output_loading_info=True, dtype=torch.float32
        )
    keys = ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")
    loading = {k: [str(x) for x in info.get(k, [])] for k in keys}
    loading["warnings"] = captured.messages
    if case.get("adapter"):
        # The adapter's tensors under the names peft loads them by (it maps the
        # legacy layout as transformers does), against the LoRA tensors it made.
        key_mapping = getattr(model, "_checkpoint_conversion_mapping", {})
        stored = set(load_peft_weights(case["adapter"], key_mapping=key_mapping))
        with Captured() as captured:
            model = PeftModel.from_pretrained(model, case["adapter"])
        wanted = set(get_peft_model_state_dict(model))
        loading["adapter_missing_keys"] = sorted(wanted - stored)
        loading["adapter_unexpected_keys"] = sorted(stored - wanted)
        loading["warnings"] += captured.messages
    model.eval()
    return model, loading


def check_processor(processor, tensors, meta, image_paths):
    images = [Image.open(p).convert("RGB") for p in image_paths]
    # One sample: the images nested in one list, or each would be a sample of
    # its own (LLaVA-OneVision); Qwen2-VL takes a flat list.
    nested = "image_sizes" in tensors
    out = processor(text=meta["prompt"], images=([images] if nested else images) if images else None,
                    return_tensors="pt")
    result = {"input_ids_equal": bool(torch.equal(out["input_ids"], tensors["input_ids"]))}
    if not result["input_ids_equal"]:
        result["input_ids"] = out["input_ids"].tolist()
        result["vlsi_input_ids"] = tensors["input_ids"].tolist()
    if images:
        pv = out["pixel_values"].to(torch.float32)
        if pv.shape == tensors["pixel_values"].shape:
            result["max_abs_pixel_diff"] = float((pv - tensors["pixel_values"]).abs().max())
        else:
            result["error"] = f"pixel_values shape {list(pv.shape)}, vlsi {list(tensors['pixel_values'].shape)}"
        for key in ("image_sizes", "image_grid_thw"):
            if key in tensors:
                result[key + "_equal"] = bool(torch.equal(out[key].to(torch.int64), tensors[key]))
    return result


def run(case):
    model, loading = load_model(case)
    processor = None
    if case.get("processor"):
        # The image processor the folder names (Qwen2VLImageProcessor): 4.57 would
        # otherwise swap in its torchvision one, whose resize differs slightly.
        image_processor = AutoImageProcessor.from_pretrained(case["model"], use_fast=False)
        processor = AutoProcessor.from_pretrained(case["model"], image_processor=image_processor)
    forward = []
    for item in case["forward"]:
        path = item["file"]
        tensors, meta = read_forward(path)
        with torch.no_grad():
            logits = model(**model_inputs(tensors)).logits.to(torch.float32)
        entry = {"file": path}
        if logits.shape == tensors["logits"].shape:
            entry["max_abs_logit_diff"] = float((logits - tensors["logits"]).abs().max())
        else:
            entry["error"] = f"logits shape {list(logits.shape)}, vlsi {list(tensors['logits'].shape)}"
        if processor is not None:
            try:
                entry["processor"] = check_processor(processor, tensors, meta, item.get("images", []))
            except Exception:
                entry["processor"] = {"error": traceback.format_exc()}
        forward.append(entry)
    return {"loading": loading, "forward": forward}


def main():
    spec = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    results = {}
    for case in spec["cases"]:
        try:
            results[case["name"]] = run(case)
        except Exception:
            results[case["name"]] = {"error": traceback.format_exc()}
    json.dump(results, open(sys.argv[2], "w"), indent=1)


if __name__ == "__main__":
    main()
