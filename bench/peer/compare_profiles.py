"""Op-level comparison of two chrome traces of the same training steps:
ours (train_step_bench --profile=MODEL:PATH) and the peer's
(train_step_peer.py --model MODEL --profile PATH). Prints, per op name, the
self time per step on each side (time inside the op minus its child ops),
sorted by the difference, as a markdown table.

usage: .venv/bin/python bench/peer/compare_profiles.py OURS.json PEER.json [--steps 3] [--top 25]
"""
import argparse
import collections
import json


def self_times(path, steps):
    """{op name: (self microseconds per step, calls per step)} from 'X' events."""
    events = [e for e in json.load(open(path)) if e.get("ph") == "X"]
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e.get("tid")].append((float(e["ts"]), float(e["dur"]), e["name"]))
    self_us = collections.Counter()
    calls = collections.Counter()
    for evs in by_thread.values():
        # Parents start first (and last longer at equal starts): a stack of open
        # intervals gives each event's parent; children's time leaves the parent's self time.
        evs.sort(key=lambda x: (x[0], -x[1]))
        stack = []  # [end, name]
        for ts, dur, name in evs:
            while stack and stack[-1][0] <= ts:
                stack.pop()
            self_us[name] += dur
            calls[name] += 1
            if stack:
                self_us[stack[-1][1]] -= dur
            stack.append((ts + dur, name))
    return {k: (v / steps, calls[k] / steps) for k, v in self_us.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ours")
    ap.add_argument("peer")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    ours, peer = self_times(args.ours, args.steps), self_times(args.peer, args.steps)
    total_o = sum(v[0] for v in ours.values()) / 1e3
    total_p = sum(v[0] for v in peer.values()) / 1e3
    names = sorted(set(ours) | set(peer),
                   key=lambda n: -abs(ours.get(n, (0, 0))[0] - peer.get(n, (0, 0))[0]))
    print("| op (self time per step) | ours ms | ours calls | peer ms | peer calls | ours - peer ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in names[:args.top]:
        (o, oc), (p, pc) = ours.get(n, (0, 0)), peer.get(n, (0, 0))
        print(f"| {n} | {o / 1e3:.1f} | {oc:.0f} | {p / 1e3:.1f} | {pc:.0f} | {(o - p) / 1e3:+.1f} |")
    print(f"| **all profiled ops** | {total_o:.1f} | | {total_p:.1f} | | {total_o - total_p:+.1f} |")


if __name__ == "__main__":
    main()
