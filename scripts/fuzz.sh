#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets of fuzz/ with clang (build-fuzz/) and
# runs each for FUZZ_SECONDS (default 60) on its committed seeds
# (fuzz/corpus/<target>, read only) plus a working corpus kept across runs in
# build-fuzz/corpus/<target> (git-ignored: new inputs never reach git).
# Fails when any target reports a finding; its reproducer is left in
# build-fuzz/artifacts/<target>/. FUZZ_TARGETS="image records" runs a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# clang 14 and its libFuzzer/sanitizer runtimes (Debian 12), installed once.
missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

B=${FUZZ_BUILD:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${JOBS:-$(nproc)}
ALL="safetensors safetensors_index model_config tokenizer_json tokenizer_encode chat_template records image chat_request"
TARGETS=${FUZZ_TARGETS:-$ALL}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DVLSI_FUZZ=ON >/dev/null
cmake --build "$B" -j "$JOBS"
# The encode target tokenizes with the real Qwen3 tokenizer (stored gzipped).
[ -s "$B/qwen3-tokenizer.json" ] || gunzip -c tests/data/qwen3-tokenizer/tokenizer.json.gz > "$B/qwen3-tokenizer.json"

scratch=$(mktemp -d /dev/shm/vlsi-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Leaks are checked; any UBSan report stops the run; an input slower than
# 25 s or a process above 2 GB (one allocation included) is a finding.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export VLSI_FUZZ_TOKENIZER=$PWD/$B/qwen3-tokenizer.json VLSI_FUZZ_SCRATCH=$scratch
summary="$B/fuzz-summary.txt"
: > "$summary"
failed=()
for t in $TARGETS; do
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
  case $t in
    chat_template) dict=(-dict=fuzz/dicts/jinja.dict) ;;
    tokenizer_encode|image) dict=() ;;
    *) dict=(-dict=fuzz/dicts/json.dict) ;;
  esac
  log="$B/artifacts/$t/last-run.log"
  bin="$B/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: no target $bin (FUZZ_TARGETS: $ALL)" >&2; exit 1; }
  echo "fuzz: $t for ${SECONDS_EACH}s"
  if "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 \
       -artifact_prefix="$B/artifacts/$t/" "${dict[@]}" "$B/corpus/$t" "fuzz/corpus/$t" > "$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "$t: ${SECONDS_EACH}s, $runs inputs, $rate exec/s, no findings" | tee -a "$summary"
  else
    tail -n 40 "$log" >&2
    echo "$t: FINDING (log $log, reproducer in $B/artifacts/$t/)" | tee -a "$summary"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ok (summary in $summary)"
