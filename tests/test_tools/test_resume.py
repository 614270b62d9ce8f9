# Copyright (c) vicmae_mm contributors. All rights reserved.
"""A run killed with SIGKILL resumes from its last checkpoint, exactly.

The tiny config trains with an ``IterBasedTrainLoop`` (InfiniteSampler,
``num_workers=0``, seed 42) and checkpoints every 4 iterations. mmengine
replays the dataloader up to the resumed iteration, so the data after the
resume point is the same as in an uninterrupted run; the project's
``IterSeedHook`` (in ``default_runtime.py``) makes the MAE masks the same.
So the losses after the resume point must equal the uninterrupted run's.
"""
import os.path as osp
import signal
import subprocess

import pytest
from tiny_train_setup import (PYTHON, REPO, last_checkpoint, losses_by_iter,
                              make_tiny_setup, read_scalars, run_tool,
                              tool_env)

MAX_ITERS, INTERVAL, KILL_AT = 12, 4, 10


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    root = str(tmp_path)
    cfg = make_tiny_setup(root, max_iters=MAX_ITERS, ckpt_interval=INTERVAL)
    killed_dir, full_dir = osp.join(root, 'killed'), osp.join(root, 'full')
    # the uninterrupted reference runs beside the run that gets killed
    full = subprocess.Popen(
        [PYTHON, 'tools/train.py', cfg, '--work-dir', full_dir],
        cwd=REPO,
        env=tool_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True)
    try:
        killed = run_tool(
            [PYTHON, 'tools/train.py', cfg, '--work-dir', killed_dir],
            root,
            timeout=120,
            TINY_KILL_AT=str(KILL_AT))
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
        # the checkpoint of iteration 8 is the last one; 2 iterations lost
        assert last_checkpoint(killed_dir) == osp.join(
            killed_dir, f'iter_{KILL_AT // INTERVAL * INTERVAL}.pth')
        resumed = run_tool(
            [PYTHON, 'tools/train.py', cfg, '--work-dir', killed_dir,
             '--resume'],
            root,
            timeout=120)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        _, err = full.communicate(timeout=120)
        assert full.returncode == 0, err[-3000:]
    finally:
        if full.poll() is None:
            full.kill()
            full.wait()

    assert 'resumed epoch: 0, iter: 8' in resumed.stdout + resumed.stderr
    (reference, ) = read_scalars(full_dir)
    first, after = read_scalars(killed_dir)
    ref_loss, ref_lr = (losses_by_iter(reference),
                        losses_by_iter(reference, 'lr'))
    # before the kill: the same run
    assert sorted(losses_by_iter(first)) == list(range(1, KILL_AT + 1))
    # after the resume: iterations 9..12 only, same loss and lr as the
    # uninterrupted run (lr schedule, optimizer moments, weights, data order
    # and masks all restored)
    loss, lr = losses_by_iter(after), losses_by_iter(after, 'lr')
    assert sorted(loss) == list(range(9, MAX_ITERS + 1))
    for it in loss:
        assert loss[it] == pytest.approx(ref_loss[it], abs=1e-5), it
        assert lr[it] == pytest.approx(ref_lr[it], rel=1e-6), it
    # the losses of iterations 9 and 10 were computed twice; the killed run
    # agrees with the reference up to the kill as well
    for it in (9, 10):
        assert losses_by_iter(first)[it] == pytest.approx(ref_loss[it],
                                                          abs=1e-5)
    assert last_checkpoint(killed_dir) == osp.join(killed_dir,
                                                   f'iter_{MAX_ITERS}.pth')
