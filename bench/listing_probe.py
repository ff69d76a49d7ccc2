"""Scores how well a model lists the objects of shapes images ("perception probe").

usage: listing_probe.py SAMPLES.jsonl [...]
  SAMPLES.jsonl: `vlsi eval --out DIR --max-new-tokens 40` samples of records whose
  last exchange is "List the objects from left to right." Make such records with
  `vlsi data shapes --out P --seed 99 --train 350 [--grid 4]` and copy
  P/train.jsonl to P/test.jsonl (training records carry the listing exchange).
Prints per file:
  object  share of listed objects named right at their position (colour and shape)
  colour, shape  the same for one attribute alone
  bag colour, bag shape  share of objects whose attribute is named anywhere (order ignored)
"""
import json
import sys
from collections import Counter


def items(text):
    return [x.strip() for x in text.split(",") if x.strip()]


def score(path):
    n = exact = colour = shape = 0
    bag = {0: [0, 0], -1: [0, 0]}
    for line in open(path):
        s = json.loads(line)
        ref, pred = items(s["reference"]), items(s["prediction"])
        for i, r in enumerate(ref):
            p = pred[i] if i < len(pred) else ""
            rw, pw = r.split(), p.split()
            n += 1
            exact += p == r
            colour += bool(pw) and pw[0] == rw[0]
            shape += len(pw) > 1 and pw[-1] == rw[-1]
        for idx in bag:
            want = Counter(x.split()[idx] for x in ref)
            got = Counter(x.split()[idx] for x in pred if x.split())
            bag[idx][0] += sum((want & got).values())
            bag[idx][1] += sum(want.values())
    return (f"object {exact / n:.3f} colour {colour / n:.3f} shape {shape / n:.3f} "
            f"bag colour {bag[0][0] / bag[0][1]:.3f} bag shape {bag[-1][0] / bag[-1][1]:.3f}")


if __name__ == "__main__":
    for f in sys.argv[1:]:
        print(f"{f}: {score(f)}")
