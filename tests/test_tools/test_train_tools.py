# Copyright (c) vicmae_mm contributors. All rights reserved.
"""tools/train.py and tools/test.py on CPU, through real subprocesses."""
import os
import os.path as osp

import pytest
from tiny_train_setup import make_tiny_setup
from tool_runs import (PYTHON, last_checkpoint, losses_by_iter, read_scalars,
                       run_tool)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tiny_train'))
    return root, make_tiny_setup(root, max_iters=4, ckpt_interval=2)


@pytest.mark.slow
def test_train_writes_checkpoint_log_and_scalars(tiny):
    root, cfg = tiny
    work_dir = osp.join(root, 'work')
    # batch 2 on one process against auto_scale_lr.base_batch_size=4
    proc = run_tool([
        PYTHON, 'tools/train.py', cfg, '--work-dir', work_dir,
        '--auto-scale-lr', '--cfg-options', 'train_dataloader.batch_size=2'
    ], root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'iter_4.pth')
    assert osp.exists(osp.join(work_dir, 'iter_2.pth'))
    (records, ) = read_scalars(work_dir)
    losses = losses_by_iter(records)
    assert sorted(losses) == [1, 2, 3, 4]
    # what the LoggerHook prints: both timings, lr and the global throughput
    for key in ('lr', 'data_time', 'time', 'pairs_per_s'):
        assert key in records[-1], key
    assert records[-1]['pairs_per_s'] > 0
    # lr 1e-3 scaled by 2 / 4; LinearLR warm-up from 0.1 x lr over 2
    # iterations, then cosine
    lrs = losses_by_iter(records, 'lr')
    assert lrs[1] == pytest.approx(0.5e-4) and lrs[3] == pytest.approx(5e-4)
    assert lrs[4] < lrs[3]
    # the run wrote its text log next to vis_data
    (stamp, ) = [p for p in os.listdir(work_dir) if p[:1].isdigit()]
    assert any(f.endswith('.log') for f in os.listdir(
        osp.join(work_dir, stamp)))


@pytest.mark.slow
def test_train_amp_on_cpu_fails_clearly(tiny):
    root, cfg = tiny
    proc = run_tool([
        PYTHON, 'tools/train.py', cfg, '--amp', '--work-dir',
        osp.join(root, 'amp')
    ], root)
    assert proc.returncode != 0
    assert '--amp needs a CUDA GPU' in proc.stderr
    assert 'Traceback' not in proc.stderr
