"""Reference encoder for tests/text: the `tokenizers` library (Hugging Face's
Rust tokenizer, pinned in requirements/test.txt) on the same inputs our C++
tokenizer sees.

  python ref_encode.py encode TOKENIZER_JSON INPUT OUTPUT
    INPUT: one line per case, the raw UTF-8 bytes in hex (so invalid bytes
    survive); each becomes a str by UTF-8 decoding with U+FFFD for every
    maximal invalid subsequence (BOM kept). OUTPUT: one JSON object per line,
    {"ids": [...], "decoded": "...", "decoded_skip": "..."}.
  python ref_encode.py bench TOKENIZER_JSON TEXT_FILE REPEATS
    prints {"bytes": N, "seconds": S, "tokens": T} for encoding the file
    REPEATS times (after one warm-up pass), load time excluded.
"""
import json
import sys
import time

from tokenizers import Tokenizer


def main() -> int:
    if len(sys.argv) != 5 or sys.argv[1] not in ("encode", "bench"):
        print("usage: ref_encode.py encode|bench TOKENIZER_JSON INPUT OUTPUT|REPEATS", file=sys.stderr)
        return 2
    mode, tokenizer_path, input_path, last = sys.argv[1:]
    tokenizer = Tokenizer.from_file(tokenizer_path)
    if mode == "encode":
        out = []
        with open(input_path, "r", encoding="ascii") as f:
            for line in f.read().splitlines():
                text = bytes.fromhex(line).decode("utf-8", errors="replace")
                ids = tokenizer.encode(text).ids
                out.append(json.dumps({
                    "ids": ids,
                    "decoded": tokenizer.decode(ids, skip_special_tokens=False),
                    "decoded_skip": tokenizer.decode(ids, skip_special_tokens=True),
                }, ensure_ascii=False))
        with open(last, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")
    else:
        with open(input_path, "r", encoding="utf-8") as f:
            text = f.read()
        repeats = int(last)
        tokenizer.encode(text)
        start = time.perf_counter()
        count = sum(len(tokenizer.encode(text).ids) for _ in range(repeats))
        seconds = time.perf_counter() - start
        print(json.dumps({"bytes": len(text.encode("utf-8")) * repeats, "seconds": seconds, "tokens": count}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
