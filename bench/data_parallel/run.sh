#!/usr/bin/env bash
# Data-parallel throughput on this machine: `vlsi train sft` with the same
# global batch as 1 process (all cores) and as N processes under the pip
# torch's torchrun (cores split between them), interleaved ROUNDS times so both
# see the same machine load. Prints one line per run and a median table.
#   BUILD (build), MODEL (configs/models/teacher.json), NPROC (2), STEPS (30),
#   BATCH (16, global), ROUNDS (2), WORK (/tmp/vlsi-dp-bench)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-build}"; [[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
MODEL="${MODEL:-$ROOT/configs/models/teacher.json}"
NPROC="${NPROC:-2}"; STEPS="${STEPS:-30}"; BATCH="${BATCH:-16}"; ROUNDS="${ROUNDS:-2}"
WORK="${WORK:-/tmp/vlsi-dp-bench}"
PY="$ROOT/.venv/bin/python"; TORCHRUN="$ROOT/.venv/bin/torchrun"
VLSI="$BUILD/vlsi"
CORES=$(nproc)

mkdir -p "$WORK"
if [[ ! -f "$WORK/tokenizer.json" ]]; then
  "$VLSI" data shapes --out "$WORK/data" --seed 1 --train 1024 --val 0 --test 0 --image-size 64 >/dev/null
  "$PY" -c 'import json,sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        for turn in json.loads(line)["conversations"]: out.write(json.dumps(turn["value"]) + "\n")' \
    "$WORK/data/train.jsonl" "$WORK/texts.jsonl"
  "$VLSI" tokenizer train --input "$WORK/texts.jsonl" --vocab-size 512 \
    --special '<|endoftext|>' '<|im_start|>' '<|im_end|>' '<image>' --out "$WORK/tokenizer.json" >/dev/null
fi

config() {  # $1 out folder, $2 threads per process
  cat > "$1.json" <<JSON
{"out": "$1", "tokenizer": "$WORK/tokenizer.json", "model": {"init": "$MODEL", "seed": 1},
 "data": {"train": "$WORK/data/train.jsonl"},
 "trainer": {"max_steps": $STEPS, "batch_size": $BATCH, "lr": 1e-3, "log_every": 10, "ckpt_every": 0,
             "threads": $2, "seed": 3}}
JSON
  echo "$1.json"
}

echo "machine: $(uname -m), $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "model $(basename "$MODEL"), global batch $BATCH, $STEPS steps; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for round in $(seq 1 "$ROUNDS"); do
  for n in 1 "$NPROC"; do
    out="$WORK/run-$n-$round"; rm -rf "$out"
    threads=$(( CORES / n > 0 ? CORES / n : 1 ))
    start=$(date +%s.%N)
    if [[ $n = 1 ]]; then
      "$VLSI" train sft --config "$(config "$out" "$threads")" >"$out.log" 2>&1
    else
      OMP_NUM_THREADS=$threads "$TORCHRUN" --no-python --nproc-per-node "$n" --master-port $((29700 + round)) \
        "$VLSI" train sft --config "$(config "$out" "$threads")" >"$out.log" 2>&1
    fi
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    tps=$("$PY" -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["tokens_per_second"]))' "$out/summary.json")
    loss=$("$PY" -c 'import json,sys; print("%.5f" % json.load(open(sys.argv[1]))["final_train_loss"])' "$out/summary.json")
    printf "round %d: %d process(es) x %d thread(s): %6d tok/s, wall %.1f s, final loss %s\n" "$round" "$n" "$threads" "$tps" "$wall" "$loss"
    results+=("$n $tps $wall")
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${results[@]}" | "$PY" -c 'import sys, statistics as st
runs = {}
for line in sys.stdin:
    n, tps, wall = line.split(); runs.setdefault(int(n), []).append((float(tps), float(wall)))
print("| processes | median tok/s | median wall s |"); print("|---|---|---|")
for n in sorted(runs):
    print("| %d | %.0f | %.1f |" % (n, st.median(t for t, _ in runs[n]), st.median(w for _, w in runs[n])))'
