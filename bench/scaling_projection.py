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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("layer_costs")
    ap.add_argument("--a100-fraction", default="0.7,0.8,0.9",
                    help="low,central,high fraction of the A100's nominal bf16 peak its large GEMMs reach")
    args = ap.parse_args()
    fractions = [float(x) for x in args.a100_fraction.split(",")]
    kinds, peak = {}, None
    with open(args.layer_costs) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            ev = json.loads(line)
            if ev["event"] == "layer":
                kinds[ev["kind"]] = ev
            elif ev["event"] == "gemm_peak":
                peak = ev["tflops"]
    print(f"CPU bf16 GEMM peak (measured): {peak:.2f} TFLOP/s\n")
    print("| kind | FLOPs fwd | fwd s | fwd TFLOP/s | fwd eff. | train s | train TFLOP/s | train eff. |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k in kinds.values():
        print(f"| {k['kind']} | {k['forward_flops'] / 1e9:,.1f} G | {k['forward_s']:.3f} | {k['forward_tflops']:.2f} "
              f"| {k['forward_efficiency']:.0%} | {k['train_s']:.3f} | {k['train_tflops']:.2f} "
              f"| {k['train_efficiency']:.0%} |")
    lo, mid, hi = fractions
    print(f"\n| work per group (8 samples x 512 tokens) | measured unit | units | FLOPs | this CPU | "
          f"A100, f = {mid} | A100 range (f = {hi} .. {lo}) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    totals = {"teacher": [0.0] * 4, "student": [0.0] * 4}
    for i, (what, kind, mode, units) in enumerate(WORK):
        k = kinds[kind]
        flops = units * (k["forward_flops"] if mode == "forward" else k["train_flops"])
        eff = k["forward_efficiency"] if mode == "forward" else k["train_efficiency"]
        cpu_s = units * (k["forward_s"] if mode == "forward" else k["train_s"])
        gpu = [flops / (eff * f * A100_BF16_PEAK_TFLOPS * 1e12) for f in (mid, hi, lo)]
        side = totals["teacher" if i < TEACHER_ROWS else "student"]
        for j, v in enumerate([cpu_s] + gpu):
            side[j] += v
        print(f"| {what} | {kind} {mode} | {units} | {flops / 1e12:,.1f} T | {cpu_s / 3600:.2f} h | {gpu[0]:.2f} s "
              f"| {gpu[1]:.2f} .. {gpu[2]:.2f} s |")
    for side, (cpu_s, g_mid, g_hi, g_lo) in totals.items():
        print(f"| **{side} total** | | | | {cpu_s / 3600:.2f} h | **{g_mid:.2f} s** | {g_hi:.2f} .. {g_lo:.2f} s |")
    t, s = totals["teacher"], totals["student"]
    step = [t[j] + s[j] for j in range(1, 4)]  # teacher's GPUs in sequence, then the student's
    tokens = SAMPLES * 512
    print(f"\nstep per group, teacher then student (no overlap): {step[0]:.2f} s (range {step[1]:.2f} .. "
          f"{step[2]:.2f} s); {tokens / step[0]:,.0f} tokens/s per group, {2 * tokens / step[0]:,.0f} for 8 GPUs "
          f"(range {2 * tokens / step[2]:,.0f} .. {2 * tokens / step[1]:,.0f})")


if __name__ == "__main__":
    main()
