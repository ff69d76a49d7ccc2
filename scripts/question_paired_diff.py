#!/usr/bin/env python3
"""Difference in test accuracy between two ablation settings with the test
questions as the random unit: each question's correctness is averaged over the
seeds both settings finished, the per-question differences give the mean and a
95 % normal interval. This interval also covers the sampling of the test set,
which the per-seed paired interval of `vlsi ablate` (training noise only) does not.

usage: question_paired_diff.py ABLATION_DIR SETTING_A SETTING_B [SEEDS]
  SETTING_* are run folder names under ABLATION_DIR/runs (e.g. vlsi-kld-kld).
"""
import json
import math
import sys


def correctness(path):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            out[r["id"]] = 1.0 if r["correct"] else 0.0
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    root, a, b = sys.argv[1:4]
    seeds = range(int(sys.argv[4]) if len(sys.argv) > 4 else 5)
    mean_a, mean_b = {}, {}
    n_seeds = 0
    for s in seeds:
        try:
            ca = correctness(f"{root}/runs/{a}/seed-{s}/eval/samples.jsonl")
            cb = correctness(f"{root}/runs/{b}/seed-{s}/eval/samples.jsonl")
        except FileNotFoundError:
            continue
        n_seeds += 1
        for q in ca:
            mean_a[q] = mean_a.get(q, 0.0) + ca[q]
            mean_b[q] = mean_b.get(q, 0.0) + cb[q]
    if n_seeds == 0:
        sys.exit(f"{root}: no seed has both {a} and {b} evaluated")
    d = [(mean_a[q] - mean_b[q]) / n_seeds * 100 for q in mean_a]
    n = len(d)
    m = sum(d) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1))
    half = 1.96 * sd / math.sqrt(n)
    print(f"{a} - {b}: {m:+.2f} [{m - half:+.2f}, {m + half:+.2f}] points "
          f"({n} questions, {n_seeds} seeds averaged per question)")


if __name__ == "__main__":
    main()
