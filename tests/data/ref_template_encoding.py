"""Reference for tests/data/test_template_encoding.cpp: transformers'
apply_chat_template over a model folder's own chat template, tokenised, with
return_assistant_tokens_mask. Reads {"folder", "cases": [{"messages", "generation_prompt"}]}
from argv[1] and writes [{"ids": [...], "mask": [...]}] to argv[2]."""
import json
import sys

from transformers import AutoTokenizer


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    tok = AutoTokenizer.from_pretrained(spec["folder"])
    with open(spec["folder"] + "/chat_template.jinja") as f:
        template = f.read()
    out = []
    for case in spec["cases"]:
        r = tok.apply_chat_template(case["messages"], chat_template=template, tokenize=True, return_dict=True,
                                    add_generation_prompt=case["generation_prompt"],
                                    return_assistant_tokens_mask=not case["generation_prompt"])
        out.append({"ids": r["input_ids"], "mask": r.get("assistant_masks", [])})
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
