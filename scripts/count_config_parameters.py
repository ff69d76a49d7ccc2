"""Parameter counts of the public model configs in configs/models, as
transformers 4.57 builds them (under torch.device("meta"): nothing is
allocated), each distinct tensor counted once (a tied head is the embedding).
Writes configs/models/parameter_counts.json, which tests/model compares with
vlsi's own count of the same configs (model::parameter_count).

usage: .venv/bin/python scripts/count_config_parameters.py
"""
import glob
import json
import os

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "configs", "models")


def count(path):
    config = AutoConfig.from_pretrained(path)
    auto = AutoModelForCausalLM if config.model_type == "qwen2" else AutoModelForImageTextToText
    with torch.device("meta"):
        model = auto.from_config(config)
    seen, n = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            n += p.numel()
    return n


def main():
    counts = {}
    for path in sorted(glob.glob(os.path.join(MODELS, "*.json"))):
        name = os.path.basename(path)
        if name in ("student.json", "teacher.json", "parameter_counts.json"):
            continue
        counts[name] = count(path)
        print(f"{name}: {counts[name]:,}")
    with open(os.path.join(MODELS, "parameter_counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
