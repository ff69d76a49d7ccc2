"""transformers side of the real-size measurement (bench/real_size/README.md).

usage:
  .venv/bin/python bench/real_size/transformers_peer.py make-folder \
      --config configs/models/qwen2-vl-2b.json --out DIR \
      [--dtype bfloat16] [--seed 0] [--max-shard-size 5GB]
  .venv/bin/python bench/real_size/transformers_peer.py measure --model DIR \
      [--tokens 1000] [--dtype bfloat16] [--threads 2] [--mode train|forward] \
      [--warmup 1] [--steps 3] [--image-size auto|WxH] [--image-tokens 256] \
      [--trainable all|no-vision] [--dump-inputs DIR]

Families (config.json's model_type): llava_onevision, qwen2_vl, qwen2_5_vl;
the model class is transformers' AutoModelForImageTextToText for the config,
and what differs per family (tokenizer, chat template, image processor, how
an image of an exact token count is picked) is in peer_families.py.

make-folder builds the model from a config with random weights directly in
the requested dtype (torch default dtype switched for the construction, so no
float32 copy ever exists), saves it with save_pretrained (safetensors) and
writes the family's processor next to it. Where the family's test tokenizer
puts a vision token elsewhere than the config says (LLaVA-OneVision's golden
tokenizer has <image>/<video> at 151669/151670, not 151646/151647), the
config takes the tokenizer's id; the changes are printed as a JSON line.

measure prints JSON lines, all from one process:
  {"event": "env", ...}    torch/transformers versions, CPU model, threads
  {"event": "load", ...}   from_pretrained wall seconds, peak RSS after load;
                           then the time to touch every parameter once (the
                           weights may still be memory-mapped, unread) and
                           the peak RSS after that
  {"event": "inputs", ...} the conversation: exact token count, image size,
                           image feature count, text token count
  {"event": "step", ...}   one line per forward(+backward), with the CPU
                           seconds other processes used meanwhile
  {"event": "result", ...} median of the timed steps, peak RSS after;
                           quiet_machine is false when other processes took
                           5 % or more of a step's time in CPU seconds
The conversation is one user turn (<image> + question) and one assistant
answer whose length is chosen so the processed input_ids hit --tokens exactly
(when a whole-word cut allows it; the count printed is the truth); for the
Qwen2-VL families the image is sized to make the count exact. Mode train:
model.train(), every parameter requires_grad (full fine-tuning; --trainable
no-vision freezes the vision tower and its projector), loss = the
model's own LM cross-entropy with labels = input_ids (image positions
included, as the brief states), loss.backward(); gradients are set to None
before each step, no optimizer. Mode forward: model.eval() under
torch.no_grad(), the same call with labels. --dump-inputs writes the image
(PNG), the messages, the prompt text and the input_ids, so another
implementation can run the identical conversation.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import peer_families

QUESTION = "Describe this image in detail: the colours, the shapes and how they are arranged."
# Deterministic answer filler: cut to a word count so that the total hits --tokens.
ANSWER_WORDS = (
    "The picture is a wide horizontal strip filled with smooth colour gradients. "
    "From left to right the red channel rises steadily while the green channel "
    "changes from top to bottom, and a blue pattern of diagonal stripes repeats "
    "across the whole width. There are no people, animals, letters or objects; "
    "the image looks like a synthetic test pattern used to check a camera, a "
    "display or an image processing pipeline. The colours blend without hard "
    "edges except where the diagonal stripes wrap around. "
).split()


def emit(obj):
    print(json.dumps(obj), flush=True)


def rss_now_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return None


def rss_peak_mib():
    # Linux: ru_maxrss is in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_times():
    """(seconds every CPU of the machine was busy, seconds this process ran):
    their difference over a step is CPU time other processes took meanwhile,
    which would slow a 2-thread run on a 2-core machine."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = sum(v) - v[3] - (v[4] if len(v) > 4 else 0)  # minus idle and iowait
    own = os.times()
    return busy / tick, own.user + own.system


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def dtype_of(name):
    import torch
    return {"bfloat16": torch.bfloat16, "float32": torch.float32, "float16": torch.float16}[name]


def parse_size(text):
    w, h = text.lower().split("x")
    return int(w), int(h)


# ---------------------------------------------------------------- make-folder

def make_folder(args):
    import torch
    from transformers import AutoConfig, AutoModelForImageTextToText

    os.makedirs(args.out, exist_ok=True)
    with open(args.config) as f:
        raw = json.load(f)
    model_type = raw["model_type"]
    # Tokenizer first: its vision token ids decide the config's.
    tokenizer, id_keys = peer_families.tokenizer_and_token_ids(model_type, args.out)
    changes, token_ids = {}, {}
    for key, token in id_keys.items():
        new = token_ids[key] = tokenizer.convert_tokens_to_ids(token)
        if raw.get(key) != new:
            changes[key] = [raw.get(key), new]
            raw[key] = new
    text = peer_families.text_section(raw)
    need = max([len(tokenizer)] + [i + 1 for i in token_ids.values()])
    if text["vocab_size"] < need:
        changes["vocab_size"] = [text["vocab_size"], need]
        text["vocab_size"] = need
    cfg = AutoConfig.for_model(**raw)

    dtype = dtype_of(args.dtype)
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # parameters are created (and initialised) in dtype: no float32 copy
    try:
        model = AutoModelForImageTextToText.from_config(cfg)
    finally:
        torch.set_default_dtype(previous)
    built_s = time.perf_counter() - t0
    model_class = type(model).__name__
    dtypes = sorted({str(p.dtype) for p in model.parameters()})
    n_params = sum(p.numel() for p in model.parameters())  # tied weights counted once
    peak_after_build = rss_peak_mib()
    t0 = time.perf_counter()
    model.save_pretrained(args.out, safe_serialization=True, max_shard_size=args.max_shard_size)
    saved_s = time.perf_counter() - t0
    del model
    peer_families.write_processor(model_type, raw, cfg, tokenizer, args.out, changes)

    files = {n: os.path.getsize(os.path.join(args.out, n)) for n in sorted(os.listdir(args.out))}
    emit({"event": "make-folder", "out": args.out, "config": args.config, "model_type": model_type,
          "model_class": model_class,
          "dtype": args.dtype, "seed": args.seed,
          "parameters": n_params, "parameter_dtypes": dtypes, "build_s": round(built_s, 2),
          "save_s": round(saved_s, 2), "peak_rss_mib_after_build": round(peak_after_build, 1),
          "peak_rss_mib": round(rss_peak_mib(), 1), "changed_from_config": changes,
          "token_ids": token_ids, "files": files})


# -------------------------------------------------------------------- measure

def test_image(width, height):
    """Synthetic, exactly reproducible RGB image: red rises left to right,
    green top to bottom, blue diagonal stripes."""
    import numpy as np
    from PIL import Image
    x = np.arange(width, dtype=np.int64)[None, :]
    y = np.arange(height, dtype=np.int64)[:, None]
    r = np.broadcast_to((x * 255) // max(width - 1, 1), (height, width))
    g = np.broadcast_to((y * 255) // max(height - 1, 1), (height, width))
    b = ((x + y) * 8) % 256
    return Image.fromarray(np.stack([r, g, b], axis=-1).astype(np.uint8), "RGB")


def conversation(words):
    return [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": QUESTION}]},
        {"role": "assistant", "content": [{"type": "text", "text": " ".join(words)}]},
    ]


def answer(n_words):
    return [ANSWER_WORDS[i % len(ANSWER_WORDS)] for i in range(n_words)]


def encode(processor, image, n_words):
    messages = conversation(answer(n_words))
    prompt = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    return messages, prompt, processor(images=image, text=prompt, return_tensors="pt")


def build_inputs(processor, image, target):
    """The largest whole-word answer whose conversation is at most `target` tokens."""
    # The count grows monotonically with whole words: bisect for the largest <= target.
    lo, hi = 0, 1
    while encode(processor, image, hi)[2]["input_ids"].shape[1] <= target:
        lo, hi = hi, hi * 2
        if hi > 100000:
            break
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if encode(processor, image, mid)[2]["input_ids"].shape[1] <= target:
            lo = mid
        else:
            hi = mid
    return encode(processor, image, lo)


def measure(args):
    import torch
    import transformers
    from transformers import AutoModelForImageTextToText, AutoProcessor

    torch.set_num_threads(args.threads)
    dtype = dtype_of(args.dtype)
    emit({"event": "env", "torch": torch.__version__, "transformers": transformers.__version__,
          "python": platform.python_version(), "cpu": cpu_model(), "cpus_visible": os.cpu_count(),
          "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
          "mode": args.mode, "dtype": args.dtype, "model": args.model,
          "env": {k: os.environ[k] for k in sorted(os.environ)
                  if k.startswith(("OMP_", "MKL_", "KMP_", "DNNL_", "ONEDNN_", "MALLOC_", "LD_PRELOAD"))},
          "rss_mib_before_load": round(rss_now_mib(), 1)})

    t0 = time.perf_counter()
    model = AutoModelForImageTextToText.from_pretrained(args.model, dtype=dtype)
    load_s = time.perf_counter() - t0
    peak_after_load, rss_after_load = rss_peak_mib(), rss_now_mib()
    # from_pretrained may leave weights memory-mapped and not yet read: touch
    # every parameter once so "loaded" also means "resident".
    t1 = time.perf_counter()
    with torch.no_grad():
        for p in model.parameters():
            p.sum()
    touch_s = time.perf_counter() - t1
    emit({"event": "load", "from_pretrained_s": round(load_s, 3), "peak_rss_mib": round(peak_after_load, 1),
          "rss_mib": round(rss_after_load, 1), "touch_all_parameters_s": round(touch_s, 3),
          "load_plus_touch_s": round(load_s + touch_s, 3), "peak_rss_mib_after_touch": round(rss_peak_mib(), 1),
          "parameters": sum(p.numel() for p in model.parameters()),
          "parameter_dtypes": sorted({str(p.dtype) for p in model.parameters()}),
          "attn_implementation": model.config._attn_implementation})

    t0 = time.perf_counter()
    processor = AutoProcessor.from_pretrained(args.model)
    image_id = model.config.image_token_id
    if args.image_size == "auto" and model.config.model_type in peer_families.QWEN_VL:
        width, height, n_words = peer_families.exact_qwen_image(
            lambda im, n: encode(processor, im, n), test_image, image_id, args.tokens, args.image_tokens)
        image = test_image(width, height)
        messages, prompt, enc = encode(processor, image, n_words)
    else:
        width, height = parse_size("384x64" if args.image_size == "auto" else args.image_size)
        image = test_image(width, height)
        messages, prompt, enc = build_inputs(processor, image, args.tokens)
    prep_s = time.perf_counter() - t0
    ids = enc["input_ids"]
    n_image = int((ids == image_id).sum())
    emit({"event": "inputs", "tokens": int(ids.shape[1]), "target_tokens": args.tokens,
          "image_width": width, "image_height": height, "image_feature_tokens": n_image,
          "text_tokens": int(ids.shape[1]) - n_image, "answer_words": len(messages[1]["content"][0]["text"].split()),
          "processor_outputs": {k: list(v.shape) for k, v in enc.items()},
          "image_grid": {k: enc[k].tolist() for k in ("image_sizes", "image_grid_thw") if k in enc},
          "processor_s": round(prep_s, 3)})
    if args.dump_inputs:
        os.makedirs(args.dump_inputs, exist_ok=True)
        image.save(os.path.join(args.dump_inputs, "image.png"))
        with open(os.path.join(args.dump_inputs, "conversation.json"), "w") as f:
            json.dump({"model_type": model.config.model_type, "messages": messages, "prompt": prompt, "image": "image.png",
                       "image_size": [width, height], "input_ids": ids[0].tolist(),
                       "image_token_id": image_id, "image_feature_tokens": n_image}, f, indent=1)

    # Everything the processor returned (LLaVA-OneVision: image_sizes; Qwen2-VL: image_grid_thw), pixels in dtype.
    # token_type_ids (text vs image, from some tokenizers) is no model input.
    inputs = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in enc.items() if k != "token_type_ids"}
    inputs.update(labels=ids.clone(), use_cache=False)

    if args.mode == "train":
        model.train()
        for name, p in model.named_parameters():
            p.requires_grad_(peer_families.is_trainable(name, args.trainable))
    else:
        model.eval()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad) if args.mode == "train" else 0

    times, foreign = [], []
    for step in range(args.warmup + args.steps):
        tracing = None
        if args.profile and step == args.warmup + args.steps - 1:
            tracing = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
            tracing.__enter__()
        busy0, own0 = cpu_times()
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        if args.mode == "train":
            model.zero_grad(set_to_none=True)
            out = model(**inputs)
            t_fwd = time.perf_counter() - t0
            out.loss.backward()
        else:
            with torch.no_grad():
                out = model(**inputs)
            t_fwd = time.perf_counter() - t0
        dt = time.perf_counter() - t0
        busy1, own1 = cpu_times()
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        if tracing is not None:
            tracing.__exit__(None, None, None)
            tracing.export_chrome_trace(args.profile)
        other = max(0.0, (busy1 - busy0) - (own1 - own0))
        loss = float(out.loss.detach().float())
        del out
        timed = step >= args.warmup
        if timed:
            times.append(dt)
            foreign.append(other)
        emit({"event": "step", "step": step, "timed": timed, "seconds": round(dt, 3),
              "forward_s": round(t_fwd, 3), "loss": round(loss, 4), "own_cpu_s": round(own1 - own0, 2),
              "sys_s": round(ru1.ru_stime - ru0.ru_stime, 2), "minor_faults": ru1.ru_minflt - ru0.ru_minflt,
              "other_processes_cpu_s": round(other, 2), "peak_rss_mib": round(rss_peak_mib(), 1)})

    grads = None
    if args.mode == "train":
        have = [p for p in model.parameters() if p.grad is not None]
        grads = {"parameters_with_grad": sum(p.numel() for p in have),
                 "grad_dtypes": sorted({str(p.grad.dtype) for p in have})}
    emit({"event": "result", "mode": args.mode, "dtype": args.dtype, "threads": args.threads,
          "tokens": int(ids.shape[1]), "load_s": round(load_s, 3),
          "trainable": args.trainable if args.mode == "train" else "none",
          "trainable_parameters": trainable,
          "median_step_s": round(statistics.median(times), 3), "steps_s": [round(t, 3) for t in times],
          "tokens_per_s": round(int(ids.shape[1]) / statistics.median(times), 1),
          "peak_rss_mib": round(rss_peak_mib(), 1), "grads": grads,
          "other_processes_cpu_s_max": round(max(foreign), 2),
          "quiet_machine": max(foreign) < 0.05 * statistics.median(times)})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make-folder", help="random-weight model folder + processor")
    mk.add_argument("--config", required=True)
    mk.add_argument("--out", required=True)
    mk.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32", "float16"])
    mk.add_argument("--seed", type=int, default=0)
    mk.add_argument("--max-shard-size", default="5GB",
                    help="save_pretrained's shard size; smaller shards lower the save's peak memory")
    me = sub.add_parser("measure", help="load time, peak RSS, forward(+backward) time")
    me.add_argument("--model", required=True)
    me.add_argument("--tokens", type=int, default=1000)
    me.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32", "float16"])
    me.add_argument("--threads", type=int, default=2)
    me.add_argument("--mode", default="train", choices=["train", "forward"])
    me.add_argument("--warmup", type=int, default=1)
    me.add_argument("--steps", type=int, default=3)
    me.add_argument("--image-size", default="auto",
                    help="WIDTHxHEIGHT of the synthetic image; auto: 384x64 (LLaVA-OneVision), or for Qwen2-VL "
                         "the 28w x 28h image that makes --tokens exact with about --image-tokens of them")
    me.add_argument("--image-tokens", type=int, default=256, help="Qwen2-VL families with --image-size auto")
    me.add_argument("--trainable", default="all", choices=["all", "no-vision", "decoder"],
                    help="train mode: every parameter, all but the vision tower (and its merger/projector), "
                         "or the decoder layers and final norm alone")
    me.add_argument("--dump-inputs", metavar="DIR", help="write image.png and conversation.json here")
    me.add_argument("--profile", metavar="TRACE.json",
                    help="write a chrome trace of the last step here (torch.profiler), to set beside real_size_bench's")
    args = ap.parse_args()
    if args.cmd == "make-folder":
        make_folder(args)
    else:
        measure(args)


if __name__ == "__main__":
    sys.exit(main())
