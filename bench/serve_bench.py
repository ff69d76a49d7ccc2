"""Throughput and latency of a running `vlsi serve` (bench/run-serve-bench.sh starts one).

For each concurrency C, C client threads (each its own official openai
client) send greedy chat completions back to back, PER_CLIENT requests each; one line per C: generated tokens per second over the wall time
(usage.completion_tokens summed), requests per second, and the p50/p99
latency of a whole request. With --stream the latency of the first token is
reported too. Prints a markdown table.
"""
import argparse
import base64
import concurrent.futures
import statistics
import json
import threading
import time
import urllib.request

import openai


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def one_request(client, args, content):
    start = time.perf_counter()
    first = None
    if args.stream:
        tokens = 0
        for chunk in client.chat.completions.create(
                model=args.model, messages=[{"role": "user", "content": content}], temperature=0,
                max_tokens=args.max_tokens, stream=True, stream_options={"include_usage": True}):
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - start
            if chunk.usage is not None:
                tokens = chunk.usage.completion_tokens
    else:
        r = client.chat.completions.create(model=args.model, messages=[{"role": "user", "content": content}],
                                           temperature=0, max_tokens=args.max_tokens)
        tokens = r.usage.completion_tokens
    return time.perf_counter() - start, first, tokens


def decode_counts(args):
    """(decode steps, rows decoded) of the served model so far, from GET /health."""
    health_url = args.url.rstrip("/").rsplit("/v1", 1)[0] + "/health"
    health = json.load(urllib.request.urlopen(health_url))
    m = next(m for m in health["models"] if m["id"] == args.model)
    return m["decode_steps"], m["rows_decoded"]


def run_level(args, concurrency, content):
    remaining = [args.per_client * concurrency]
    lock = threading.Lock()
    results = []

    def worker():
        client = openai.OpenAI(base_url=args.url, api_key="none", max_retries=0, timeout=600)
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            r = one_request(client, args, content)
            with lock:
                results.append(r)

    steps0, rows0 = decode_counts(args)
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(worker) for _ in range(concurrency)]:
            f.result()
    wall = time.perf_counter() - start
    steps1, rows1 = decode_counts(args)
    latencies = [r[0] for r in results]
    firsts = [r[1] for r in results if r[1] is not None]
    tokens = sum(r[2] for r in results)
    return {"concurrency": concurrency, "requests": len(results), "wall": wall, "tokens": tokens,
            "tok_s": tokens / wall, "req_s": len(results) / wall, "p50": statistics.median(latencies),
            "p99": percentile(latencies, 0.99), "batch": (rows1 - rows0) / max(steps1 - steps0, 1), "ttft_p50": statistics.median(firsts) if firsts else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--per-client", type=int, default=4, help="requests each client sends at every level")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--prompt", default="What colour is the triangle? Answer with one word.")
    ap.add_argument("--image", help="PNG file sent as a data: URL with every request")
    ap.add_argument("--stream", action="store_true")
    args = ap.parse_args()
    content = args.prompt
    if args.image:
        png = base64.b64encode(open(args.image, "rb").read()).decode()
        content = [{"type": "image_url", "image_url": {"url": "data:image/png;base64," + png}},
                   {"type": "text", "text": args.prompt}]
    # Warm-up: the first request pays one-time costs (allocator, thread pools).
    one_request(openai.OpenAI(base_url=args.url, api_key="none", max_retries=0), args, content)
    rows = [run_level(args, int(c), content) for c in args.concurrency.split(",")]
    ttft = args.stream
    print("| clients | requests | generated tokens | wall s | tokens/s | requests/s | p50 latency s | p99 latency s |"
          " mean batch |" + (" p50 first token s |" if ttft else ""))
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if ttft else ""))
    for r in rows:
        line = (f"| {r['concurrency']} | {r['requests']} | {r['tokens']} | {r['wall']:.2f} | {r['tok_s']:.1f} | "
                f"{r['req_s']:.2f} | {r['p50']:.3f} | {r['p99']:.3f} | {r['batch']:.1f} |")
        if ttft:
            line += f" {r['ttft_p50']:.3f} |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
