"""The time table of docs/scaling.md, computed from measured per-layer costs.

usage: python3 bench/scaling_projection.py LAYER_COSTS.jsonl [--a100-fraction 0.7,0.8,0.9]

LAYER_COSTS.jsonl is build/layer_cost_bench's output (bf16, 512 tokens, 1024
patches). Each work item of one VLsI interaction step per group of 8 samples
(docs/scaling.md's assumptions) is a count of measured units, e.g. the
teacher's decoder = 80 layers x 8 samples of one 72B-width layer forward. Per
item this prints the FLOPs (units x the bench's FLOP count per unit), the time
this CPU would take (units x measured median seconds) and the A100 projection:
FLOPs / (e x f x 312 TFLOP/s), where e is the unit's measured efficiency on
this CPU (achieved / this CPU's measured bf16 GEMM peak) and f the assumed
fraction of the A100's nominal bf16 peak that its large GEMMs reach. Only e
and the CPU seconds are measured; f, 312 TFLOP/s and the work counts are
assumptions, listed in docs/scaling.md.
"""
import argparse
import json

A100_BF16_PEAK_TFLOPS = 312.0  # nominal dense bf16 (NVIDIA's A100 datasheet)
SAMPLES, TEACHER_LAYERS, STUDENT_LAYERS, VISION_BLOCKS = 8, 80, 28, 32
TEACHER_TARGETS, STUDENT_TARGETS = 40, 14  # stride-2 target layers (assumption 4)

# (work item, measured kind, "forward" or "train", units per group)
WORK = [
    ("teacher vision tower, forward (32 blocks x 8 images)", "vision_block", "forward", VISION_BLOCKS * SAMPLES),
    ("teacher decoder, forward (80 layers x 8 samples)", "decoder_72b", "forward", TEACHER_LAYERS * SAMPLES),
    ("teacher verbalizer heads, forward (40 x 512 answer tokens)", "head_72b", "forward", TEACHER_TARGETS),
    ("student vision tower, forward only (frozen)", "vision_block", "forward", VISION_BLOCKS * SAMPLES),
    ("student decoder, forward + backward (28 layers x 8 samples)", "decoder_2b", "train", STUDENT_LAYERS * SAMPLES),
    ("student LM head, forward + backward (8 samples)", "head_2b", "train", SAMPLES),
    ("student verbalizer heads, forward + backward (14 x 512 answer tokens)", "head_2b", "train", STUDENT_TARGETS),
]
TEACHER_ROWS = 3  # the first three rows run on the teacher's GPUs, one after another


def read_run(path):
    """(the GEMM peak, {kind: its "layer" line}) of one layer_cost_bench output."""
    kinds, peak = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("{"):
                ev = json.loads(line)
                if ev["event"] == "layer":
                    kinds[ev["kind"]] = ev
                elif ev["event"] == "gemm_peak":
                    peak = ev["tflops"]
    return peak, kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("layer_costs", nargs="+", help="one or more runs; each is projected on its own")
    ap.add_argument("--a100-fraction", default="0.7,0.8,0.9",
                    help="low,central,high fraction of the A100's nominal bf16 peak its large GEMMs reach")
    args = ap.parse_args()
    lo, mid, hi = [float(x) for x in args.a100_fraction.split(",")]
    runs = [read_run(p) for p in args.layer_costs]
    names = " / ".join(f"run {i + 1}" for i in range(len(runs)))
    print("CPU bf16 GEMM peak (measured): " + " / ".join(f"{peak:.2f}" for peak, _ in runs) + f" TFLOP/s ({names})\n")
    print(f"Each cell: {names}.\n")
    print("| kind | FLOPs fwd | fwd s | fwd eff. | train s | train eff. |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, k in runs[0][1].items():
        each = [r[1][kind] for r in runs]
        col = lambda key, fmt: " / ".join(format(e[key], fmt) for e in each)  # noqa: E731
        print(f"| {kind} | {k['forward_flops'] / 1e9:,.1f} G | {col('forward_s', '.3f')} | "
              f"{col('forward_efficiency', '.0%')} | {col('train_s', '.3f')} | {col('train_efficiency', '.0%')} |")
    print(f"\n| work per group (8 samples x 512 tokens) | measured unit | units | FLOPs | this CPU, h | "
          f"A100 s, f = {mid} | A100 s, all runs, f = {hi} .. {lo} |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    totals = [{"teacher": [0.0] * 4, "student": [0.0] * 4} for _ in runs]

    def project(k, mode, units, f):
        flops = units * (k["forward_flops"] if mode == "forward" else k["train_flops"])
        eff = k["forward_efficiency"] if mode == "forward" else k["train_efficiency"]
        return flops / (eff * f * A100_BF16_PEAK_TFLOPS * 1e12)

    for i, (what, kind, mode, units) in enumerate(WORK):
        side = "teacher" if i < TEACHER_ROWS else "student"
        cells = []
        for r, (_, kinds) in enumerate(runs):
            k = kinds[kind]
            cpu_s = units * (k["forward_s"] if mode == "forward" else k["train_s"])
            values = [cpu_s] + [project(k, mode, units, f) for f in (mid, hi, lo)]
            for j, v in enumerate(values):
                totals[r][side][j] += v
            cells.append(values)
        flops = units * (runs[0][1][kind]["forward_flops"] if mode == "forward" else runs[0][1][kind]["train_flops"])
        print(f"| {what} | {kind} {mode} | {units} | {flops / 1e12:,.1f} T | "
              + " / ".join(f"{c[0] / 3600:.2f}" for c in cells) + " | "
              + " / ".join(f"{c[1]:.2f}" for c in cells)
              + f" | {min(c[2] for c in cells):.2f} .. {max(c[3] for c in cells):.2f} |")
    for side in ("teacher", "student"):
        each = [t[side] for t in totals]
        print(f"| **{side} total** | | | | " + " / ".join(f"{t[0] / 3600:.2f}" for t in each) + " | **"
              + " / ".join(f"{t[1]:.2f}" for t in each)
              + f"** | {min(t[2] for t in each):.2f} .. {max(t[3] for t in each):.2f} |")
    tokens = SAMPLES * 512
    for r, t in enumerate(totals):
        step = [t["teacher"][j] + t["student"][j] for j in range(1, 4)]  # the teacher's GPUs in turn, then the student
        print(f"\nrun {r + 1}: step per group, teacher then student (no overlap): {step[0]:.2f} s (f {hi} .. {lo}: "
              f"{step[1]:.2f} .. {step[2]:.2f} s); {tokens / step[0]:,.0f} tokens/s per group, "
              f"{2 * tokens / step[0]:,.0f} for the 8 GPUs ({2 * tokens / step[2]:,.0f} .. {2 * tokens / step[1]:,.0f})")


if __name__ == "__main__":
    main()
