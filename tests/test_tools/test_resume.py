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

import pytest
from tiny_train_setup import make_tiny_setup
from tool_runs import (kill_then_resume, last_checkpoint, losses_by_iter,
                       read_scalars)

MAX_ITERS, INTERVAL, KILL_AT = 12, 4, 10


@pytest.mark.slow
def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    root = str(tmp_path)
    cfg = make_tiny_setup(root, max_iters=MAX_ITERS, ckpt_interval=INTERVAL)
    runs = kill_then_resume(cfg, root, KILL_AT, timeout=120)
    killed_dir, full_dir = runs['killed_dir'], runs['full_dir']
    resumed = runs['resumed']
    # the checkpoint of iteration 8 is the last one; 2 iterations lost
    assert runs['after_kill'] == osp.join(
        killed_dir, f'iter_{KILL_AT // INTERVAL * INTERVAL}.pth')

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
