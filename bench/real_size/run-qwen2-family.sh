#!/usr/bin/env bash
# Issue 12's real-size comparison in one go: Qwen2-VL-2B and Qwen2.5-VL-3B,
# vlsi (build/real_size_bench) and transformers (transformers_peer.py)
# alternated on the same folder, conversation, dtype and threads, so it can be
# rerun as a whole in a quiet window. Every run's JSON lines, with the load
# average and time before it, go to LOG; the load and result lines also to the
# terminal. Method: bench/real_size/README.md.
#
#   bench/real_size/run-qwen2-family.sh [LOG]      (default /tmp/realsize-qwen2-family.log)
#
# Environment: STEPS (timed steps, 3), THREADS (2), MODELS (names below).
# The 3B's train step does not fit the ~16 GB one process may take here with
# every parameter trainable (weights 7.5 GB + gradients 7.5 GB) nor with the
# vision tower frozen (vlsi passed 16 GB at 1,000 tokens), so it trains the
# decoder layers alone on a 512-token conversation (transformers: 15.6 GB).
# Folders are made once under /tmp (random bf16 weights, never committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
BENCH=build/real_size_bench
LOG=${1:-/tmp/realsize-qwen2-family.log}
STEPS=${STEPS:-3}
THREADS=${THREADS:-2}
MODELS=${MODELS:-"qwen2-vl-2b qwen2.5-vl-3b"}
: >"$LOG"

# name -> folder, train setting, shard size (smaller shards keep make-folder's save under ~16 GB)
declare -A FOLDER=([qwen2-vl-2b]=/tmp/q2vl2b [qwen2.5-vl-3b]=/tmp/q25vl3b)
declare -A TRAINABLE=([qwen2-vl-2b]=all [qwen2.5-vl-3b]=decoder)
declare -A TRAIN_TOKENS=([qwen2-vl-2b]=1000 [qwen2.5-vl-3b]=512)
declare -A SHARD=([qwen2-vl-2b]=5GB [qwen2.5-vl-3b]=2GB)

note() {
  printf '{"event": "run", "what": "%s", "loadavg": "%s", "utc": "%s"}\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(date -u +%FT%TZ)" | tee -a "$LOG"
}
show() { grep -E '"event": ?"(load|inputs|result|summary|make-folder)"' || true; }
peer() {
  note "transformers $*"
  $PY bench/real_size/transformers_peer.py measure --dtype bfloat16 --threads "$THREADS" --steps "$STEPS" "$@" \
    2>>"$LOG.stderr" | tee -a "$LOG" | show
}
vlsi() {
  note "vlsi $*"
  $BENCH --threads "$THREADS" --steps "$STEPS" "$@" 2>>"$LOG.stderr" | tee -a "$LOG" | show
}

start=$(date +%s)
for name in $MODELS; do
  dir=${FOLDER[$name]}
  if [ ! -f "$dir/config.json" ]; then
    note "make-folder $name"
    $PY bench/real_size/transformers_peer.py make-folder --config "configs/models/$name.json" --out "$dir" \
      --dtype bfloat16 --seed 0 --max-shard-size "${SHARD[$name]}" 2>>"$LOG.stderr" | tee -a "$LOG" | show
  fi
  # transformers first: its forward run writes the conversation (and its input_ids) that vlsi must reproduce.
  peer --model "$dir" --mode forward --dump-inputs "$dir/bench_inputs"
  vlsi --model "$dir" --inputs "$dir/bench_inputs" --mode forward
  train_inputs=$dir/bench_inputs
  if [ "${TRAIN_TOKENS[$name]}" != 1000 ]; then  # a shorter conversation: transformers writes it first
    train_inputs=$dir/bench_inputs_${TRAIN_TOKENS[$name]}
    peer --model "$dir" --mode train --trainable "${TRAINABLE[$name]}" --tokens "${TRAIN_TOKENS[$name]}" \
      --dump-inputs "$train_inputs"
    vlsi --model "$dir" --inputs "$train_inputs" --mode train --trainable "${TRAINABLE[$name]}"
  else
    vlsi --model "$dir" --inputs "$train_inputs" --mode train --trainable "${TRAINABLE[$name]}"
    peer --model "$dir" --mode train --trainable "${TRAINABLE[$name]}"
  fi
done
note "done in $(($(date +%s) - start)) s"
