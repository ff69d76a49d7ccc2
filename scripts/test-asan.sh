#!/usr/bin/env bash
# make test-asan: builds the library, the app and the tests with
# AddressSanitizer + UndefinedBehaviorSanitizer (gcc; libtorch and the system
# libraries uninstrumented) in build-asan/ and runs every unit test (ctest).
# Suppressions: sanitizers/ (each says why); none names our code.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
B=${ASAN_BUILD:-build-asan}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVLSI_SANITIZE=address,undefined -DVLSI_BUILD_BENCH=OFF >/dev/null
cmake --build "$B" -j "$JOBS"
supp=$PWD/sanitizers
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_odr_violation=0:suppressions=$supp/asan.supp}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp}
cd "$B" && ctest --output-on-failure -j "$JOBS" --timeout 2400 ${ASAN_CTEST_ARGS:-}
