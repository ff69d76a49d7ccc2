"""A markdown table of one run-qwen2-family.sh log: one row per run, in the order
they ran, with the load average before it and what each side reported.

usage: python3 bench/real_size/summarize_log.py /tmp/realsize-qwen2-family.log
"""
import json
import sys


def main():
    rows, run = [], None
    for line in open(sys.argv[1]):
        if not line.startswith("{"):
            continue
        ev = json.loads(line)
        kind = ev["event"]
        if kind == "run":
            if ev["what"].startswith(("transformers", "vlsi")):
                run = {"what": ev["what"], "loadavg": ev["loadavg"], "utc": ev["utc"], "losses": [], "steps": []}
                rows.append(run)
            else:
                print(f"- {ev['what']} (load average {ev['loadavg']}, {ev['utc']})")
        elif run is None:
            continue
        elif kind == "load":  # the peer's from_pretrained (+ touch) or vlsi's load_model
            run["load_s"] = ev.get("model_load_s", ev.get("from_pretrained_s"))
            run["touch"] = ev.get("load_plus_touch_s")
            run["load_peak"] = ev.get("peak_rss_mib_after_touch", ev.get("peak_rss_mib"))
        elif kind == "inputs":
            run["tokens"] = ev["tokens"]
            run["same_ids"] = ev.get("same_ids_as_transformers")
        elif kind == "step":
            run["losses"].append(ev["loss"])
            run["steps"].append(ev["seconds"])
        elif kind in ("result", "summary"):
            run.update(median=ev.get("median_step_s", ev.get("median_s")), peak=ev["peak_rss_mib"],
                       other=ev["other_processes_cpu_s_max"], quiet=ev["quiet_machine"],
                       trainable=ev.get("trainable"), trainable_parameters=ev.get("trainable_parameters"))
    print("\n| run | load avg before | tokens | load s (peer: + touch) | RSS after load MiB | steps s (first: warm-up) "
          "| median s | peak RSS MiB | other CPU s / step (max) | quiet | loss |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|")
    for r in rows:
        if "median" not in r:
            print(f"| {r['what']} | {r['loadavg']} | did not finish | | | | | | | | |")
            continue
        load = f"{r['load_s']:.2f}" + (f" ({r['touch']:.2f})" if r.get("touch") is not None else "")
        steps = ", ".join(f"{s:.1f}" for s in r["steps"])
        print(f"| {r['what']} | {r['loadavg']} | {r['tokens']} | {load} | {r['load_peak']:,.0f} | {steps} "
              f"| {r['median']:.2f} | {r['peak']:,.0f} | {r['other']:.1f} | {r['quiet']} | {r['losses'][-1]:.4f} |")


if __name__ == "__main__":
    main()
