#!/usr/bin/env bash
# GPU check, run on a CUDA machine whose python3 holds a CUDA build of PyTorch 2.x:
#  1. builds vlsi against that libtorch (Debian -dev packages for the other
#     libraries are unpacked from .gpu-deps/debs when the machine lacks them),
#  2. runs the test suite (CUDA tests included),
#  3. measures the teacher's SFT step throughput on the GPU.
# Results go to $OUT (or ./gpu-out): build log, ctest log, throughput JSON.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}; mkdir -p "$OUT"
DEPS=/tmp/vlsi-deps
mkdir -p $DEPS
for f in .gpu-deps/debs/*.deb; do dpkg -x "$f" $DEPS; done
export LD_LIBRARY_PATH=$DEPS/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' | tee "$OUT/machine.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >> "$OUT/machine.txt" 2>&1
t0=$(date +%s)
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DVLSI_BUILD_BENCH=OFF -DCMAKE_VERBOSE_MAKEFILE=OFF -DVLSI_EXCLUDE_CONCERNS="${VLSI_EXCLUDE_CONCERNS:-}" \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$DEPS/usr" -DCMAKE_CUDA_ARCHITECTURES=90 -DVLSI_GTEST_SOURCE_DIR=$DEPS/usr/src/googletest > "$OUT/cmake.log" 2>&1 \
  && cmake --build build-gpu -j "$(nproc)" > "$OUT/build.log" 2>&1
rc=$?; echo "build rc=$rc in $(( $(date +%s) - t0 )) s" | tee -a "$OUT/machine.txt"
[ $rc -eq 0 ] || { grep -E "error" "$OUT/build.log" | head -20; exit $rc; }
# The report's browser test needs Debian's chromium, which the GPU machine cannot install.
command -v chromium >/dev/null || export VLSI_SKIP_BROWSER_TESTS=1
(cd build-gpu && ctest -j 8 --timeout 600 --output-on-failure) > "$OUT/ctest.log" 2>&1
echo "ctest rc=$?" | tee -a "$OUT/machine.txt"; grep -E "tests passed|Failed|\*\*\*" "$OUT/ctest.log" | tail -25
# Teacher step throughput on the GPU with the demo's shapes.
B=build-gpu/vlsi; R=/tmp/gpu-run; rm -rf $R
$B data shapes --out $R/data --seed 0 --train 2000 --val 0 --test 0 > /dev/null
python3 - "$R" <<'PY'
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
for bs in 16 64; do
  $B train sft --out $R/teacher-bs$bs --set tokenizer=\"$R/tok.json\" --set model.init=\"configs/models/teacher.json\" \
    --set data.train=\"$R/data/train.jsonl\" --set device=\"cuda\" --set trainer.max_steps=60 --set trainer.batch_size=$bs \
    --set trainer.warmup_steps=5 --set trainer.lr=1e-3 --set trainer.ckpt_every=0 --set trainer.log_every=20 \
    > "$OUT/teacher-bs$bs.json" 2> "$OUT/teacher-bs$bs.log"
  echo "teacher bs=$bs rc=$?"; cat "$OUT/teacher-bs$bs.json"
  tail -1 $R/teacher-bs$bs/metrics.jsonl > "$OUT/teacher-bs$bs-last-step.json"
done
