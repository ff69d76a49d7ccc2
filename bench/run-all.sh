#!/usr/bin/env bash
# Every benchmark, from an existing build (`make bench` builds first; this
# script builds nothing). BUILD picks the build folder (default: build); the
# other variables of run-train-throughput.sh (THREADS, MIN_TIME, ...) pass through.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-build}"
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
export BUILD
status=0

if [[ -x "$BUILD/tokenizer_bench" ]]; then
  echo "== tokenizer encode throughput: $BUILD/tokenizer_bench"
  (cd "$ROOT" && "$BUILD/tokenizer_bench") || status=1
else
  echo "== tokenizer_bench: not built in $BUILD, skipped"
fi

echo
echo "== training throughput (ours vs Python peer, GEMM peak)"
bash "$ROOT/bench/run-train-throughput.sh" || status=1
exit $status
