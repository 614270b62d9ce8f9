#!/usr/bin/env bash
# Copyright (c) vicmae_mm contributors. All rights reserved.
# GPU check, about 10-15 minutes on one H100/H200 (mostly compilation):
#   1. the CUDA tests (tests/test_gpu: bf16 AMP train step, NCCL init);
#   2. ViT-B/16, 224 px, mask 0.5, bf16 AMP, for 128 and 256 pairs:
#      ViC-MAE vs MAE eager (alternating steps: ratio, step split, peak
#      memory), then ViC-MAE with torch.compile(train_step) (inductor):
#      compiled vs eager step, compile time, recompilations, peak memory;
#   3. the flagship's 512 pairs per GPU, eager: peak memory against 80 GB
#      (configs/vicmae_vit-b16_k400.py; CPU estimate:
#      tools/analysis/memory_estimate.py).
# Targets: >= 1000 ViC-MAE pairs/s on one GPU; ViC-MAE <= 1.05x MAE; no
# recompilation after the first step; 512 pairs below 80 GB.
#
# Usage: bash tools/analysis/gpu_check.sh [OUT_DIR]      (default gpu_check)
# Python: $VICMAE_PYTHON, else $PYTHON, else .venv/bin/python, else python3.
# Installs nothing from the network. If the OpenMMLab stack is missing and
# $VICMAE_WHEELS names a folder of wheels, it is installed from there only
# (pip --no-index). Env: BATCHES ("128 256"), FIT_BATCH (512), ITERS (10),
# FIT_GIB (80), SKIP_COMPILE=1, COMPILE_MAE=1 (also compile the MAE).
# GPU_CHECK_SMOKE=1 runs every Python part on the CPU with a tiny model and
# tiny batches (the CUDA-only parts are skipped); tests/test_tools use it.
set -u
cd "$(dirname "$0")/../.." || exit 2
REPO=$(pwd)
OUT=${1:-gpu_check}
mkdir -p "$OUT"
START=$(date +%s)
SMOKE=${GPU_CHECK_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
  BATCHES=${BATCHES:-2 3}; FIT_BATCH=${FIT_BATCH:-4}; ITERS=${ITERS:-2}
  COMMON=(--device cpu --tiny --compile-backend eager --threads 1)
else
  BATCHES=${BATCHES:-128 256}; FIT_BATCH=${FIT_BATCH:-512}
  ITERS=${ITERS:-10}
  COMMON=(--device cuda --amp)
fi
FIT_GIB=${FIT_GIB:-80}

PY=${VICMAE_PYTHON:-${PYTHON:-}}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
echo "== python: $PY"
if ! "$PY" -c 'import torch, mmengine, mmpretrain, mmaction, vicmae_mm' \
    2>/dev/null; then
  if [ -n "${VICMAE_WHEELS:-}" ] && [ -d "$VICMAE_WHEELS" ]; then
    echo "== installing the stack from $VICMAE_WHEELS (offline)"
    "$PY" -m pip install -q --no-index --find-links "$VICMAE_WHEELS" \
      mmengine mmcv-lite mmpretrain mmaction2 decord || true
  fi
  if ! "$PY" -c 'import torch, mmengine, mmpretrain, vicmae_mm'; then
    echo "FAIL: $PY cannot import torch/mmengine/mmpretrain/vicmae_mm;" \
      "set VICMAE_PYTHON or VICMAE_WHEELS" | tee "$OUT/summary.txt"
    exit 2
  fi
fi
"$PY" - <<'EOF' 2>&1 | tee "$OUT/env.txt"
import torch
print('torch', torch.__version__, 'cuda', torch.version.cuda,
      'available', torch.cuda.is_available())
if torch.cuda.is_available():
    print('device', torch.cuda.get_device_name(),
          'bf16', torch.cuda.is_bf16_supported(), 'memory GiB',
          round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1))
EOF

TESTS_RC=skipped
if [ "$SMOKE" != 1 ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
    2>&1 | tee "$OUT/nvidia_smi.txt"
  if ! "$PY" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'
  then
    echo "FAIL: no CUDA device visible to $PY; nothing to check" |
      tee "$OUT/summary.txt"
    exit 3
  fi
  echo "== 1/3 CUDA tests"
  timeout 180 "$PY" -m pytest -q -rs tests/test_gpu 2>&1 |
    tee "$OUT/pytest.txt"
  TESTS_RC=${PIPESTATUS[0]}
fi

CFG=configs/_base_/models/vicmae_vit-base-p16.py
bench() {  # NAME TIMEOUT ARGS...: one benchmark_train.py run
  local name=$1 limit=$2
  shift 2
  timeout "$limit" "$PY" tools/analysis/benchmark_train.py "$CFG" \
    "${COMMON[@]}" --mask-ratio 0.5 --json-out "$OUT/$name.json" "$@" \
    2>&1 | tee "$OUT/$name.txt"
  echo "${PIPESTATUS[0]}" > "$OUT/$name.rc"
}
for B in $BATCHES; do
  echo "== 2/3 batch $B: ViC-MAE vs MAE, eager"
  bench "eager_b$B" 300 --batch-size "$B" --warmup 3 --iters "$ITERS"
  if [ "${SKIP_COMPILE:-0}" != 1 ]; then
    echo "== 2/3 batch $B: ViC-MAE, torch.compile(train_step)"
    MAE_ARG=(--skip-mae)
    [ "${COMPILE_MAE:-0}" = 1 ] && MAE_ARG=()
    bench "compile_b$B" 600 --batch-size "$B" --warmup 3 --iters "$ITERS" \
      --compile ${MAE_ARG[@]+"${MAE_ARG[@]}"}
  fi
done
echo "== 3/3 flagship memory: $FIT_BATCH pairs, ViC-MAE eager"
bench "fit_b$FIT_BATCH" 300 --batch-size "$FIT_BATCH" --warmup 1 \
  --iters 2 --skip-mae

"$PY" tools/analysis/gpu_check_summary.py "$OUT" --tests-rc "$TESTS_RC" \
  --start "$START" --fit-gib "$FIT_GIB" | tee "$OUT/summary.txt"
exit "${PIPESTATUS[0]}"
