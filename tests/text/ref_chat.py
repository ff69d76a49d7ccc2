"""Reference chat-template renderer for tests/text: transformers'
`apply_chat_template` (pinned in requirements/test.txt) on a Jinja chat
template, exactly as a user's tokenizer would render it.

  python ref_chat.py INPUT OUTPUT
    INPUT: {"template": "...", "cases": [{"messages": [...], "add_generation_prompt": bool}, ...]}
    OUTPUT: a JSON array with the rendered string of each case.
"""
import json
import sys

from tokenizers import Tokenizer, models
from transformers import PreTrainedTokenizerFast


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: ref_chat.py INPUT OUTPUT", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    # The template only needs a tokenizer to hang on; its vocabulary is unused
    # because rendering stops before tokenization.
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.BPE()), eos_token="<|im_end|>")
    tokenizer.chat_template = spec["template"]
    rendered = [
        tokenizer.apply_chat_template(c["messages"], tokenize=False, add_generation_prompt=c["add_generation_prompt"])
        for c in spec["cases"]
    ]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(rendered, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
