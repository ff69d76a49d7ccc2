#!/usr/bin/env bash
# Training throughput, ours vs the plain-PyTorch peer, in ONE invocation:
#   1. fp32 GEMM peak (gemm_peak_bench: square torch::mm, best of 512/1024/2048),
#      measured first and again last (the best counts: noise only lowers it)
#   2. per model (student, then teacher), ROUNDS times alternating: our C++ SFT
#      step (train_step_bench) and the Python peer (bench/peer/train_step_peer.py)
# all with the same thread count, then prints a markdown table for
# docs/benchmarks.md, per-phase timings, the exact commands and the machine.
# Builds nothing: run `make build` (or ninja the bench targets) first.
#
# Environment:
#   BUILD     build folder holding the bench binaries (default: build)
#   THREADS   intra-op threads for every run (default: every core)
#   MIN_TIME  seconds of timed steps per measurement (default: 5)
#   ROUNDS    ours/peer measurements per model, alternating (default: 2); the
#             table keeps each side's best round, as noise only ever slows a run
#   PYTHON    the interpreter with the pinned torch (default: .venv/bin/python, the
#             same wheel whose libtorch vlsi links)
#   MODELS    which models, in order (default: "student teacher")
# Other variables pass through to every run (e.g. OMP_WAIT_POLICY=PASSIVE) and
# are printed with the commands.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-build}"
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
CORES="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"  # nproc itself honours OMP_NUM_THREADS
THREADS="${THREADS:-$CORES}"
MIN_TIME="${MIN_TIME:-5}"
ROUNDS="${ROUNDS:-2}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
MODELS="${MODELS:-student teacher}"

for exe in gemm_peak_bench train_step_bench; do
  if [[ ! -x "$BUILD/$exe" ]]; then
    echo "run-train-throughput: $BUILD/$exe is missing; build it first (make build, or ninja -C $BUILD $exe)" >&2
    exit 1
  fi
done
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "run-train-throughput: $PYTHON cannot import torch; run bash scripts/install-deps.sh or set PYTHON" >&2
  exit 1
fi

# Both sides use the same libtorch build (the torch wheel), so they get the
# same thread pools: OpenMP for element-wise kernels and for MKL's matmuls.
export OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" VLSI_BENCH_THREADS="$THREADS"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
COMMANDS=()

run() {  # run LABEL CMD...: echo the command, keep it for the report, run it
  local label="$1"; shift
  COMMANDS+=("$*")
  echo "== $label: $*" >&2
  "$@"
}

gemm() {
  run "GEMM peak ($1)" "$BUILD/gemm_peak_bench" --threads="$THREADS" --benchmark_min_time="$MIN_TIME" \
    --benchmark_out="$OUT/gemm_$1.json" --benchmark_out_format=json >&2
}
gemm first
for m in $MODELS; do
  for r in $(seq "$ROUNDS"); do
    run "ours, $m, round $r" "$BUILD/train_step_bench" --threads="$THREADS" --benchmark_filter="^train_step/$m/" \
      --benchmark_min_time="$MIN_TIME" --benchmark_out="$OUT/ours_${m}_$r.json" --benchmark_out_format=json >&2
    run "peer, $m, round $r" "$PYTHON" "$ROOT/bench/peer/train_step_peer.py" --model "$m" --threads "$THREADS" \
      --min-time "$MIN_TIME" > "$OUT/peer_${m}_$r.json"
  done
done
gemm last
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

printf '%s\n' "${COMMANDS[@]}" > "$OUT/commands.txt"
# libtorch and its BLAS as the pinned wheel reports them (both sides load it).
TORCH_HEADER_VERSION="$("$PYTHON" -c 'import torch; print(torch.__version__ + " (torch wheel)")' 2>/dev/null || true)"
CPU_MODEL="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
BLAS="$("$PYTHON" -c 'import torch; c = torch.__config__.show(); print(next((l.split("=", 1)[1] for l in c.replace(",", "\n").split("\n") if "BLAS_INFO" in l), "unknown"), "with", torch.backends.openmp.is_available() and "OpenMP" or "no OpenMP")' 2>/dev/null || echo unknown)"

"$PYTHON" - "$OUT" "$MODELS" "$THREADS" "$MIN_TIME" "$ROUNDS" "$CPU_MODEL" "$CORES" "${TORCH_HEADER_VERSION:-unknown}" \
  "$BLAS" "$LOAD_BEFORE" "$LOAD_AFTER" <<'EOF'
import json, os, sys
import torch

out, models, threads, min_time, rounds, cpu, cores, libtorch, blas, load0, load1 = sys.argv[1:12]
rounds = int(rounds)
models = models.split()

def bench(path, name=None):
    rows = [b for b in json.load(open(path))["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    return [b for b in rows if name is None or b["name"].startswith(name)]

gemm = {}
for when in ("first", "last"):
    for b in bench(os.path.join(out, f"gemm_{when}.json")):
        size = b["name"].split("/")[1]
        gemm.setdefault(size, []).append(b["gflops_per_s"])
peak_at, runs = max(gemm.items(), key=lambda kv: max(kv[1]))
peak = max(runs)

rows, phases, warnings, spread = [], [], [], []
for m in models:
    ours_runs = [bench(os.path.join(out, f"ours_{m}_{r}.json"), f"train_step/{m}")[0] for r in range(1, rounds + 1)]
    peer_runs = [json.load(open(os.path.join(out, f"peer_{m}_{r}.json"))) for r in range(1, rounds + 1)]
    ours = max(ours_runs, key=lambda b: b["tokens_per_s"])
    peer = max(peer_runs, key=lambda b: b["tokens_per_s"])
    spread.append(f"{m}: ours " + ", ".join(f"{b['tokens_per_s']:,.0f}" for b in ours_runs) +
                  "; peer " + ", ".join(f"{b['tokens_per_s']:,.0f}" for b in peer_runs))
    if int(ours["params"]) != int(peer["params"]):
        warnings.append(f"{m}: parameter counts differ (ours {int(ours['params'])}, peer {peer['params']})")
    gflops = ours["flops_per_s"] / 1e9
    rows.append((m, ours["tokens_per_s"], peer["tokens_per_s"], ours["tokens_per_s"] / peer["tokens_per_s"],
                 gflops, 100.0 * gflops / peak, ours["step_gflop"], 1e3 * ours["tokens_per_step"] / ours["tokens_per_s"],
                 peer["step_ms_mean"]))
    phases.append((m, "ours", [ours[k + "_ms"] for k in ("zero_grad", "forward", "backward", "clip", "optimizer")]))
    phases.append((m, "peer", [peer["phase_ms"][k] for k in ("zero_grad", "forward", "backward", "clip", "optimizer")]))

print(f"### Training throughput ({threads} threads, fp32, batch 16 x 96 tokens)\n")
print("| model | ours tok/s | peer tok/s | ratio | ours step ms | peer step ms | step GFLOP | our GFLOP/s | % of GEMM peak |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for m, ot, pt, r, g, pct, sg, oms, pms in rows:
    print(f"| {m} | {ot:,.0f} | {pt:,.0f} | {r:.2f}x | {oms:.1f} | {pms:.1f} | {sg:.2f} | {g:.1f} | {pct:.1f}% |")
print(f"\nGEMM peak: {peak:.1f} GFLOP/s (n={peak_at}; first/last run: " +
      ", ".join(f"n={n}: " + "/".join(f"{v:.1f}" for v in vs) for n, vs in gemm.items()) + ")")
print(f"Best of {rounds} alternating rounds per side; every round's tok/s: " + " | ".join(spread))
for m, ot, pt, r, g, pct, *_ in rows:
    if m == "student":
        print(f"Target student ratio >= 1.30x: {'met' if r >= 1.3 else 'NOT met'} ({r:.2f}x)")
    if m == "teacher":
        print(f"Target teacher >= 50% of GEMM peak: {'met' if pct >= 50 else 'NOT met'} ({pct:.1f}%)")

print("\nPer-phase mean ms (zero_grad / forward+loss / backward / clip / AdamW):\n")
print("| model | side | zero_grad | forward | backward | clip | optimizer |")
print("|---|---|---:|---:|---:|---:|---:|")
for m, side, v in phases:
    print(f"| {m} | {side} | " + " | ".join(f"{x:.1f}" for x in v) + " |")

print("\nFLOPs: matmuls counted exactly (2mnk forward, 4mnk backward; the patch conv 2mnk backward, its")
print("input needs no grad); full T x T attention products; element-wise work not counted.")
print("\nCommands:\n```")
print(" ".join(f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY",
                                                  "GOMP_SPINCOUNT") if k in os.environ))
print(open(os.path.join(out, "commands.txt")).read().rstrip())
print("```")
print(f"Machine: {cpu}, {cores} cores; libtorch {libtorch} (C++), python torch {torch.__version__}; BLAS {blas}")
print(f"Load average (1/5/15 min) before: {load0}, after: {load1}; min time {min_time} s per measurement")
for w in warnings:
    print("WARNING:", w)
EOF
