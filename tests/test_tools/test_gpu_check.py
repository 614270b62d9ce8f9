# Copyright (c) vicmae_mm contributors. All rights reserved.
"""tools/analysis/gpu_check.sh end to end on the CPU (GPU_CHECK_SMOKE=1).

Every Python part the GPU check calls runs here with a tiny model and tiny
batches: eager ViC-MAE vs MAE, the compiled step (eager backend), the
memory-fit run and the summary; only the CUDA-only parts (nvidia-smi, the
tests/test_gpu tests) are skipped. The numbers are not checked, the
plumbing is.
"""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools/analysis'))


@pytest.mark.slow
def test_gpu_check_smoke_on_cpu(tmp_path):
    out = tmp_path / 'check'
    env = dict(os.environ, GPU_CHECK_SMOKE='1', VICMAE_PYTHON=sys.executable,
               BATCHES='2', FIT_BATCH='4')
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools/analysis/gpu_check.sh'), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = (out / 'summary.txt').read_text()
    assert 'CUDA tests: skipped' in summary
    rows = {line.split(' | ')[0][2:]: line.split(' | ')
            for line in summary.splitlines() if line.startswith('| ')}
    assert {'compile_b2', 'eager_b2', 'fit_b4'} <= set(rows)
    assert rows['compile_b2'][7] == '0 / 0'  # no recompilation
    assert rows['eager_b2'][9] != '-'  # ViC-MAE / MAE ratio
    assert 'eager / compiled step time' in summary
    assert '4 pairs per GPU: peak' in summary


def test_summary_reports_errors_and_oom(tmp_path, capsys):
    import json

    import gpu_check_summary as summary
    (tmp_path / 'eager_b8.rc').write_text('124\n')  # timed out, no JSON
    (tmp_path / 'fit_b512.rc').write_text('3\n')
    (tmp_path / 'fit_b512.json').write_text(json.dumps(
        dict(error='out of memory: CUDA out of memory.', device='cuda')))
    runs = summary.load_runs(str(tmp_path))
    assert 'timeout' in runs['eager_b8']['error']
    assert summary.main([str(tmp_path), '--tests-rc', '0']) == 1  # timeout
    os.remove(tmp_path / 'eager_b8.rc')
    assert summary.main([str(tmp_path), '--tests-rc', '0']) == 0  # OOM: a
    assert 'out of memory: CUDA out of memory. -> does NOT fit' in (
        capsys.readouterr().out)  # a finding, not a failure
    assert summary.main([str(tmp_path), '--tests-rc', '1']) == 1


def test_memory_estimate_is_linear_in_the_batch():
    import memory_estimate
    res = memory_estimate.main(['--tiny', '--pairs', '2', '4',
                                '--target', '4', '8'])
    m, est = res['measured'], res['estimate_gib']
    assert m[4] > m[2] > 0 and res['saved_mib_per_pair'] > 0
    # the line through the two measurements reproduces the larger one
    assert (est[4] - res['fixed_gib']) * 1024 == pytest.approx(m[4])
    assert est[8] - est[4] == pytest.approx(
        4 * res['saved_mib_per_pair'] / 1024)
