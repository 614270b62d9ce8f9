#!/usr/bin/env bash
# Copyright (c) vicmae_mm contributors. All rights reserved.
# GPU check, about 5-8 minutes on one H100:
#   1. the CUDA tests (tests/test_gpu: bf16 AMP train step, NCCL init);
#   2. benchmark_train.py, ViT-B/16, 224 px, mask 0.5, bf16 AMP, batch 128
#      pairs, eager, then with torch.compile (compile time reported apart).
# Target: >= 1000 ViC-MAE pairs/s on one H100; ViC-MAE <= 1.10x MAE.
#
# Usage: bash tools/analysis/gpu_check.sh [OUT_DIR]      (default gpu_check)
# Python: $VICMAE_PYTHON, else $PYTHON, else .venv/bin/python, else python3.
# Installs nothing from the network. If the OpenMMLab stack is missing and
# $VICMAE_WHEELS names a folder of wheels, it is installed from there only
# (pip --no-index). Env: BATCH (128), ITERS (10), SKIP_COMPILE=1.
set -u
cd "$(dirname "$0")/../.." || exit 2
REPO=$(pwd)
OUT=${1:-gpu_check}
mkdir -p "$OUT"
BATCH=${BATCH:-128}
ITERS=${ITERS:-10}
START=$(date +%s)

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
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
  2>&1 | tee "$OUT/nvidia_smi.txt"
"$PY" - <<'EOF' 2>&1 | tee "$OUT/env.txt"
import torch
print('torch', torch.__version__, 'cuda', torch.version.cuda,
      'available', torch.cuda.is_available())
if torch.cuda.is_available():
    print('device', torch.cuda.get_device_name(),
          'bf16', torch.cuda.is_bf16_supported())
EOF
if ! "$PY" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'
then
  echo "FAIL: no CUDA device visible to $PY; nothing to check" |
    tee "$OUT/summary.txt"
  exit 3
fi

echo "== 1/3 CUDA tests"
timeout 180 "$PY" -m pytest -q -rs tests/test_gpu 2>&1 | tee "$OUT/pytest.txt"
TESTS_RC=${PIPESTATUS[0]}

CFG=configs/_base_/models/vicmae_vit-base-p16.py
BENCH=(tools/analysis/benchmark_train.py "$CFG" --device cuda --amp
  --batch-size "$BATCH" --mask-ratio 0.5 --iters "$ITERS")
echo "== 2/3 benchmark, eager"
timeout 150 "$PY" "${BENCH[@]}" --warmup 3 2>&1 | tee "$OUT/bench_eager.txt"
EAGER_RC=${PIPESTATUS[0]}
COMPILE_RC=skipped
if [ "${SKIP_COMPILE:-0}" != 1 ]; then
  echo "== 3/3 benchmark, torch.compile(train_step)"
  timeout 330 "$PY" "${BENCH[@]}" --warmup 2 --compile 2>&1 |
    tee "$OUT/bench_compile.txt"
  COMPILE_RC=${PIPESTATUS[0]}
fi

"$PY" - "$OUT" "$TESTS_RC" "$EAGER_RC" "$COMPILE_RC" "$START" <<'EOF' |
import json, os, sys, time
out, tests_rc, eager_rc, compile_rc, start = sys.argv[1:]
print(f'\nGPU check summary ({time.time() - int(start):.0f} s)')
log = open(os.path.join(out, 'pytest.txt')).read()
skipped = 'skipped' in log.splitlines()[-1] if log.strip() else False
print(f'CUDA tests: {"PASS" if tests_rc == "0" else "FAIL rc=" + tests_rc}'
      f'{" (some SKIPPED, see pytest.txt)" if skipped else ""}')
print('| run | ViC-MAE pairs/s | ms/step | peak mem (GiB) | MAE pairs/s '
      '| ratio | first step (s) | >= 1000 pairs/s |')
print('|---|---|---|---|---|---|---|---|')
for name, rc in (('eager', eager_rc), ('compile', compile_rc)):
    path = os.path.join(out, f'bench_{name}.txt')
    res = None
    if os.path.exists(path):
        for line in open(path):
            if line.startswith('{'):
                res = json.loads(line)
    if res is None:
        print(f'| {name} | rc={rc}, no result | | | | | | |')
        continue
    v, m = res['vicmae'], res.get('mae', {})
    print(f'| {name} | {v["pairs_per_s"]:.0f} | {v["ms_per_step"]:.1f} | '
          f'{v["peak_mem_mb"] / 1024:.1f} | {m.get("pairs_per_s", 0):.0f} | '
          f'{res.get("ratio", float("nan")):.3f} | {v["first_step_s"]:.0f} '
          f'| {"yes" if v["pairs_per_s"] >= 1000 else "NO"} |')
    print(f'  ({res["machine"]}, batch {res["batch_size"]}, '
          f'{res["img_size"]} px, mask {res["mask_ratio"]})')
EOF
  tee "$OUT/summary.txt"
[ "$TESTS_RC" = 0 ] && [ "$EAGER_RC" = 0 ]
