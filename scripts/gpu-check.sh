#!/usr/bin/env bash
# GPU check: the one command to run on a machine with an NVIDIA GPU.
#  1. builds vlsi against a CUDA libtorch 2.x: the project's .venv when it
#     exists (the pinned wheel, `make build` made it), else the machine's
#     python3 torch (a GPU machine without network keeps its own PyTorch;
#     set VLSI_PYTHON to choose). Debian -dev packages the machine lacks are
#     unpacked from .gpu-deps/debs (scripts/gpu-deps.sh fetches them here);
#  2. runs every test, CUDA tests included (they are skipped without a GPU);
#  3. measures the teacher's SFT step throughput on the GPU, float32 and bf16.
# Results go to $OUT (or ./gpu-out): machine.txt, build log, ctest log, step JSON.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}; mkdir -p "$OUT"
PY=${VLSI_PYTHON:-}
[ -z "$PY" ] && [ -x .venv/bin/python ] && PY=$PWD/.venv/bin/python
[ -z "$PY" ] && PY=$(command -v python3)
DEPS=/tmp/vlsi-deps; mkdir -p $DEPS
for f in .gpu-deps/debs/*.deb; do [ -e "$f" ] && dpkg -x "$f" $DEPS; done
export LD_LIBRARY_PATH=$DEPS/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
TORCH_PREFIX=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' | tee "$OUT/machine.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >> "$OUT/machine.txt" 2>&1
GTEST_SRC=""; [ -d $DEPS/usr/src/googletest ] && GTEST_SRC="-DVLSI_GTEST_SOURCE_DIR=$DEPS/usr/src/googletest"
t0=$(date +%s)
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DVLSI_BUILD_BENCH=OFF -DVLSI_PYTHON="$PY" \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$DEPS/usr" -DTORCH_CUDA_ARCH_LIST=9.0 $GTEST_SRC > "$OUT/cmake.log" 2>&1 \
  && cmake --build build-gpu -j "$(nproc)" > "$OUT/build.log" 2>&1
rc=$?; echo "build rc=$rc in $(( $(date +%s) - t0 )) s" | tee -a "$OUT/machine.txt"
[ $rc -eq 0 ] || { grep -E "error" "$OUT/cmake.log" "$OUT/build.log" | head -20; exit $rc; }
ldd build-gpu/vlsi | grep -E "libtorch|libc10" | tee -a "$OUT/machine.txt"
# The report's browser test needs Debian's chromium, which a GPU machine may lack.
command -v chromium >/dev/null || export VLSI_SKIP_BROWSER_TESTS=1
(cd build-gpu && ctest -j 8 --timeout 600 --output-on-failure) > "$OUT/ctest.log" 2>&1
echo "ctest rc=$?" | tee -a "$OUT/machine.txt"; grep -E "tests passed|Failed|\*\*\*" "$OUT/ctest.log" | tail -25
# Teacher step throughput on the GPU with the demo's shapes and model sizes.
B=build-gpu/vlsi; R=/tmp/gpu-run; rm -rf $R
$B data shapes --out $R/data --seed 0 --train 2000 --val 0 --test 0 --grid 4 > /dev/null
"$PY" - "$R" <<'PY'
import json, sys
r = sys.argv[1]
with open(r + "/corpus.jsonl", "w") as f:
    for line in open(r + "/data/train.jsonl"):
        for t in json.loads(line)["conversations"]:
            f.write(json.dumps(t["value"]) + "\n")
    for w in ["user\n", "assistant\n"]:
        f.write(json.dumps(w) + "\n")
PY
$B tokenizer train --input $R/corpus.jsonl --vocab-size 512 --special '<|endoftext|>' '<|im_start|>' '<|im_end|>' '<image>' --out $R/tok.json
for dtype in float32 bfloat16; do
  for bs in 16 64; do
    name=teacher-$dtype-bs$bs
    $B train sft --out $R/$name --set tokenizer=\"$R/tok.json\" --set model.init=\"configs/models/teacher.json\" \
      --set data.train=\"$R/data/train.jsonl\" --set device=\"cuda\" --set dtype=\"$dtype\" --set trainer.max_steps=60 \
      --set trainer.batch_size=$bs --set trainer.warmup_steps=5 --set trainer.lr=5e-4 --set trainer.ckpt_every=0 \
      --set trainer.log_every=20 > "$OUT/$name.json" 2> "$OUT/$name.log"
    echo "$name rc=$?"; cat "$OUT/$name.json"
    tail -1 $R/$name/metrics.jsonl > "$OUT/$name-last-step.json"
  done
done
