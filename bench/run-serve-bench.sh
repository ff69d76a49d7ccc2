#!/usr/bin/env bash
# vlsi serve throughput: makes a model folder of the demo's student (or
# teacher) architecture, random weights (speed does not depend on them) and a
# 512-token BPE tokenizer as the demo trains, starts `vlsi serve` on it, and
# runs bench/serve_bench.py at 1, 8 and 32 concurrent clients: tokens/s and
# p50/p99 latency, as a markdown table with the exact commands and the machine.
# Builds nothing: run `make build` (or ninja -C build vlsi) first.
#
# Environment:
#   BUILD       build folder holding vlsi (default: build)
#   MODEL       configs/models/MODEL.json: student, teacher, llava-onevision-qwen2-0.5b ...
#               (default: student); the vocabulary is always the 512-token BPE
#   TEXT_CONFIG JSON merged into the config's text_config, e.g. the Qwen2-0.5B
#               decoder: '{"hidden_size": 896, "intermediate_size": 4864,
#               "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2}'
#   PER_CLIENT  requests each client sends at every level (default: 4)
#   MAX_TOKENS  max_tokens of every request (default: 64)
#   CONCURRENCY levels (default: 1,8,32)
#   THREADS     the server's --threads (default: every core)
#   STREAM      1: streamed requests, also reports time to first token
#   IMAGE       1: every request carries a 64x64 PNG
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-build}"
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
MODEL="${MODEL:-student}"
PER_CLIENT="${PER_CLIENT:-4}"
MAX_TOKENS="${MAX_TOKENS:-64}"
CONCURRENCY="${CONCURRENCY:-1,8,32}"
THREADS="${THREADS:-0}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
VLSI="$BUILD/vlsi"
[[ -x "$VLSI" ]] || { echo "run-serve-bench: $VLSI is missing; build it first" >&2; exit 1; }

work="$(mktemp -d)"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$VLSI" data shapes --out "$work/data" --seed 1 --train 256 --val 8 --test 8 --image-size 64 >/dev/null
"$PYTHON" - "$work/data/train.jsonl" "$work/text.txt" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        for turn in json.loads(line)["conversations"]:
            out.write(turn["value"].replace("<image>", "") + "\n")
    out.write("user\nassistant\n")
PY
"$VLSI" tokenizer train --input "$work/text.txt" --vocab-size 512 \
  --special '<|endoftext|>' '<|im_start|>' '<|im_end|>' '<image>' --out "$work/tokenizer.json" >/dev/null
"$PYTHON" - "$ROOT/configs/models/$MODEL.json" "$work/config.json" "${TEXT_CONFIG:-{\}}" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["text_config"].update(json.loads(sys.argv[3]))
json.dump(config, open(sys.argv[2], "w"), indent=1)
PY
"$VLSI" model init --config "$work/config.json" --tokenizer "$work/tokenizer.json" --seed 1 \
  --out "$work/$MODEL" >/dev/null 2>&1
image_args=()
if [[ "${IMAGE:-0}" == 1 ]]; then
  image_args=(--image "$(ls "$work"/data/images/*.png | head -1)")
fi
stream_args=()
[[ "${STREAM:-0}" == 1 ]] && stream_args=(--stream)

server_cmd=("$VLSI" serve --model "$work/$MODEL" --port 0 --threads "$THREADS" --max-batch 32 --max-tokens "$MAX_TOKENS")
"${server_cmd[@]}" > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do grep -q "http://" "$work/serve.log" && break; sleep 0.1; done
url="$(grep -o 'http://[^ ]*' "$work/serve.log" | head -1)"
[[ -n "$url" ]] || { cat "$work/serve.log" >&2; exit 1; }

bench_cmd=("$PYTHON" "$ROOT/bench/serve_bench.py" --url "$url" --model "$MODEL" --concurrency "$CONCURRENCY"
           --per-client "$PER_CLIENT" --max-tokens "$MAX_TOKENS" "${image_args[@]}" "${stream_args[@]}")
"${bench_cmd[@]}"
echo
echo "server: ${server_cmd[*]}" | sed "s|$work|WORK|g; s|$ROOT/||g"
echo "client: ${bench_cmd[*]}" | sed "s|$work|WORK|g; s|$ROOT/||g"
[[ -n "${TEXT_CONFIG:-}" ]] && echo "model: configs/models/$MODEL.json, text_config + $TEXT_CONFIG"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (modified)')"
