"""Reference chat-template renderer for tests/text/test_jinja_*.cpp:
transformers' own render_jinja_template (pinned in requirements/test.txt),
the function behind tokenizer.apply_chat_template(tokenize=False), called
with return_assistant_tokens_mask=True so that the {% generation %} spans
its AssistantTracker records come back too.

  python ref_jinja.py INPUT OUTPUT
    INPUT: {"cases": [{"template": "...", "context": {"messages": [...], ...}}, ...]}
           the context's other entries (add_generation_prompt, tools,
           documents, bos_token, ...) are passed as keyword arguments.
    OUTPUT: a JSON array, one entry per case:
           {"text": "...", "spans": [[begin, end], ...]} with UTF-8 byte
           offsets, or {"error": "..."} when rendering raised.
"""
import json
import sys

from transformers.utils import logging
from transformers.utils.chat_template_utils import render_jinja_template

# Quiet the "template does not contain {% generation %}" warning.
logging.set_verbosity_error()


def byte_offsets(text: str, spans):
    """transformers records str (code point) indices; vlsi reports bytes."""
    return [[len(text[:b].encode("utf-8")), len(text[:e].encode("utf-8"))] for b, e in spans]


def render(case):
    context = dict(case["context"])
    messages = context.pop("messages")
    try:
        rendered, spans = render_jinja_template(
            conversations=[messages],
            chat_template=case["template"],
            return_assistant_tokens_mask=True,
            **context,
        )
    except Exception as e:  # any failure counts; the message is only shown
        return {"error": f"{type(e).__name__}: {e}"}
    return {"text": rendered[0], "spans": byte_offsets(rendered[0], spans[0])}


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: ref_jinja.py INPUT OUTPUT", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    results = [render(c) for c in spec["cases"]]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
