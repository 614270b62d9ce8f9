# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Summary table of ``tools/analysis/gpu_check.sh`` (reads its folder).

Reads the ``benchmark_train.py --json-out`` files ``eager_b<B>.json``,
``compile_b<B>.json`` and ``fit_b<B>.json`` (and the ``.rc`` exit codes)
and prints, per batch size, eager vs compiled ViC-MAE step time, the step
split, peak memory, compile time and recompilations, the ViC-MAE / MAE
ratio, the 1000 pairs/s target and whether the flagship's batch fits the
given GPU memory. Exit status 0 when the CUDA tests passed (or were
skipped) and every eager and fit run finished.

Example::

    python tools/analysis/gpu_check_summary.py gpu_check --fit-gib 80
"""
import argparse
import glob
import json
import os.path as osp
import re
import time
from typing import Dict, Optional, Sequence

CONTEXT_GIB = 0.5  # CUDA context + cuBLAS handles, not in torch's counters


def load_runs(out: str) -> Dict[str, dict]:
    """``{'eager_b128': result or {'error': ...}, ...}`` of a check folder."""
    runs = {}
    for rc_file in sorted(glob.glob(osp.join(out, '*.rc'))):
        name = osp.basename(rc_file)[:-3]
        path = osp.join(out, f'{name}.json')
        res = json.load(open(path)) if osp.exists(path) else {}
        rc = open(rc_file).read().strip()
        if rc != '0' and 'error' not in res:
            res['error'] = f'exit status {rc} (124: timeout), see {name}.txt'
        runs[name] = res
    return runs


def _gib(mb: Optional[float]) -> str:
    return '-' if mb is None else f'{mb / 1024:.1f}'


def row(name: str, res: dict) -> str:
    """One table row for a benchmark result."""
    if 'vicmae' not in res:
        return f'| {name} | {res.get("error", "no result")} |' + ' |' * 11
    v, m = res['vicmae'], res.get('mae', {})
    split = v.get('split_ms', {})
    split = ' / '.join(f'{split[k]:.0f}' for k in (
        'data', 'forward', 'backward', 'optimizer')) if split else '-'
    ratio = f'{res["ratio"]:.3f}' if 'ratio' in res else '-'
    mae = f'{m["pairs_per_s"]:.0f}' if m else '-'
    target = 'yes' if v['pairs_per_s'] >= 1000 else 'NO'
    return (f'| {name} | {v["pairs_per_s"]:.0f} | {v["ms_per_step"]:.1f} | '
            f'{split} | {_gib(v["peak_mem_mb"])} | '
            f'{_gib(v.get("peak_reserved_mb"))} | {v["first_step_s"]:.1f} | '
            f'{v["recompiles"]} / {v.get("recompiles_all", "-")} | {mae} | '
            f'{ratio} | {target} | {res["machine"]} |')


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='the gpu_check.sh output folder')
    parser.add_argument('--tests-rc', default='skipped')
    parser.add_argument('--start', type=float, default=None)
    parser.add_argument('--fit-gib', type=float, default=80.)
    args = parser.parse_args(argv)
    runs = load_runs(args.out)
    took = '' if args.start is None else f' ({time.time() - args.start:.0f} s)'
    print(f'\nGPU check summary{took}')
    print('CUDA tests: ' + ('skipped' if args.tests_rc == 'skipped' else
                           'PASS' if args.tests_rc == '0' else
                           f'FAIL rc={args.tests_rc}'))
    print('| run | ViC-MAE pairs/s | ms/step | data / fwd / bwd / optim (ms)'
          ' | peak GiB | reserved GiB | first step (s) | recompiles (timed / '
          'all) | MAE pairs/s | ratio | >= 1000 pairs/s | device |\n' +
          '|---' * 13 + '|')
    key = (lambda n: (int(re.findall(r'\d+', n)[-1]), n))
    for name in sorted(runs, key=key):
        print(row(name, runs[name]))
    for name in sorted(runs, key=key):
        b = name.split('_b')[-1]
        eager, comp = runs.get(f'eager_b{b}', {}), runs[name]
        if name.startswith('compile') and 'vicmae' in comp and (
                'vicmae' in eager):
            speedup = (eager['vicmae']['ms_per_step'] /
                       comp['vicmae']['ms_per_step'])
            print(f'batch {b}: eager / compiled step time {speedup:.2f}, '
                  f'compilation {comp["vicmae"]["first_step_s"]:.0f} s, '
                  f'{comp["vicmae"]["recompiles_all"]} recompilations')
    ok = args.tests_rc in ('0', 'skipped')
    for name in sorted(runs):
        res = runs[name]
        ok &= name.startswith('compile') or 'error' not in res or (
            res['error'].startswith('out of memory'))  # a finding
        if not name.startswith('fit'):
            continue
        b = name.split('_b')[-1]
        if 'vicmae' not in res:
            print(f'{b} pairs per GPU: {res.get("error")} -> does NOT fit')
            continue
        v, cuda = res['vicmae'], res['device'] == 'cuda'
        need = v.get('peak_reserved_mb', v['peak_mem_mb']) / 1024 + (
            CONTEXT_GIB if cuda else 0)
        verdict = 'fits' if need < args.fit_gib else 'does NOT fit'
        how = (f'reserved + {CONTEXT_GIB} GiB context' if cuda else
               'CPU: RSS-based, not a GPU number')
        print(f'{b} pairs per GPU: peak {need:.1f} GiB ({how}) -> '
              f'{verdict} in {args.fit_gib:g} GiB')
    return 0 if ok else 1


if __name__ == '__main__':
    raise SystemExit(main())
