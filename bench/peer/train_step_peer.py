"""Python peer of bench/train_step_bench.cpp: the same model, batch and
optimizer step written plainly in eager PyTorch, timed the same way.

usage: .venv/bin/python bench/peer/train_step_peer.py --model teacher|student
           [--configs DIR] [--threads N] [--min-time SECONDS] [--min-steps N] [--profile PATH]
Prints one JSON object: tokens_per_s, step_ms (mean and median), per-phase ms,
parameter count, threads, torch version.

Step (as the product's Trainer): zero_grad, forward to final-norm hidden
states, answer-token cross-entropy, loss.item(), backward,
clip_grad_norm_(1.0), AdamW (lr 1e-3, weight decay 0.01 on matrices only).
Batch: 16 samples x 96 tokens (3 prompt tokens, 64 image tokens, question,
1 answer token + <|im_end|> labelled), no padding; vocab 512, image token 511.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vlm_peer import Vlm, answer_token_loss, init_weights  # noqa: E402

BATCH, SEQ_LEN, IMAGE_START, ANSWER_POS = 16, 96, 3, 93
VOCAB, IMAGE_TOKEN = 512, 511
LR, WEIGHT_DECAY, GRAD_CLIP = 1e-3, 0.01, 1.0


def text_id(b, t):
    # Same formula as train_step_bench.cpp, so both sides see the same batch.
    return 4 + (b * 131 + t * 17) % (IMAGE_TOKEN - 4)


def make_batch(cfg):
    vc = cfg["vision_config"]
    per_image = (vc["image_size"] // vc["patch_size"]) ** 2
    ids = torch.tensor([[text_id(b, t) for t in range(SEQ_LEN)] for b in range(BATCH)], dtype=torch.long)
    ids[:, IMAGE_START:IMAGE_START + per_image] = IMAGE_TOKEN
    labels = torch.full_like(ids, -100)
    labels[:, ANSWER_POS:ANSWER_POS + 2] = ids[:, ANSWER_POS:ANSWER_POS + 2]
    gen = torch.Generator().manual_seed(1234)
    size = (BATCH, vc.get("num_channels", 3), vc["image_size"], vc["image_size"])
    pixels = torch.normal(0.0, 1.0, size, generator=gen)
    return ids, torch.ones_like(ids), labels, pixels


def load_config(configs, name):
    cfg = json.load(open(os.path.join(configs, name + ".json")))
    cfg["text_config"]["vocab_size"] = VOCAB
    cfg["image_token_index"] = IMAGE_TOKEN
    return cfg


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, choices=["teacher", "student"])
    ap.add_argument("--configs", default=os.path.join(here, "..", "..", "configs", "models"))
    ap.add_argument("--threads", type=int, default=0, help="0 = every core")
    ap.add_argument("--min-time", type=float, default=5.0, help="seconds of timed steps")
    ap.add_argument("--min-steps", type=int, default=5)
    ap.add_argument("--profile", metavar="PATH",
                    help="instead of timing, write a chrome trace of 3 steps (see compare_profiles.py)")
    args = ap.parse_args()

    threads = args.threads if args.threads > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = load_config(args.configs, args.model)
    model = Vlm(cfg)
    init_weights(model, cfg.get("initializer_range", 0.02))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}], lr=LR)
    ids, mask, labels, pixels = make_batch(cfg)
    tokens = int(mask.sum())

    phases = {"zero_grad": 0.0, "forward": 0.0, "backward": 0.0, "clip": 0.0, "optimizer": 0.0}
    steps_ms = []
    loss_value = 0.0

    def step(timed):
        nonlocal loss_value
        t0 = time.perf_counter()
        opt.zero_grad()
        t1 = time.perf_counter()
        hidden = model(ids, pixels, mask)
        loss = answer_token_loss(model, hidden, labels)
        loss_value = loss.item()
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, GRAD_CLIP)
        t4 = time.perf_counter()
        opt.step()
        t5 = time.perf_counter()
        if timed:
            for k, a, b in (("zero_grad", t0, t1), ("forward", t1, t2), ("backward", t2, t3),
                            ("clip", t3, t4), ("optimizer", t4, t5)):
                phases[k] += (b - a) * 1e3
            steps_ms.append((t5 - t0) * 1e3)

    for _ in range(2):  # AdamW state and allocator warm-up, as the C++ bench
        step(False)
    if args.profile:
        with torch.autograd.profiler.profile() as prof:
            for _ in range(3):
                step(True)
        prof.export_chrome_trace(args.profile)
        print(f"{args.model}: 3 steps, {sum(steps_ms) / 3:.1f} ms/step, trace in {args.profile}")
        return 0
    while len(steps_ms) < args.min_steps or sum(steps_ms) < args.min_time * 1e3:
        step(True)

    n = len(steps_ms)
    total_s = sum(steps_ms) / 1e3
    print(json.dumps({
        "model": args.model,
        "tokens_per_s": tokens * n / total_s,
        "step_ms_mean": total_s * 1e3 / n,
        "step_ms_median": statistics.median(steps_ms),
        "steps": n,
        "tokens_per_step": tokens,
        "phase_ms": {k: v / n for k, v in phases.items()},
        "params": sum(p.numel() for p in model.parameters()),
        "loss": loss_value,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
