# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Disk full while saving: the run stops with a clear error, the previous
checkpoint is intact and ``last_checkpoint`` still names it.

Two ways: a write that fails with ENOSPC half-way (monkeypatched, runs
everywhere) and a real, full tmpfs (needs permission to mount one; skipped
otherwise). ``max_keep_ckpts=1`` makes the point: mmengine's
``CheckpointHook`` deletes the old checkpoint *before* writing the new one,
so the same failure leaves it nothing (the baseline row).
"""
import errno
import os
import os.path as osp
import shutil
import subprocess

import pytest
from mmengine.hooks import Hook
from toy_runner import toy_runner

import vicmae_mm.checkpoint.atomic_write as atomic_write
from vicmae_mm.checkpoint import checkpoint_problem, load_checkpoint_file


def _enospc_half_way(fd, data):
    """Write half, then fail as a full disk does."""
    os.write(fd, data[:len(data) // 2])
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _AfterFirstSave(Hook):
    """Call ``action()`` once epoch 1's checkpoint is saved."""
    priority = 'LOWEST'  # after the checkpoint hook

    def __init__(self, action):
        self.action = action

    def after_train_epoch(self, runner):
        if runner.epoch == 0:  # epoch_1.pth was just saved
            self.action()


def _fail_writes(monkeypatch):
    """Every later write fails half-way with ENOSPC."""
    return _AfterFirstSave(lambda: monkeypatch.setattr(
        atomic_write, '_write_all', _enospc_half_way))


def _fill_disk(folder):
    """Fill the file system of ``folder`` to the last 4 KiB."""

    def fill():
        free = shutil.disk_usage(folder).free
        with open(osp.join(folder, 'filler'), 'wb') as f:
            f.write(b'\0' * max(free - 4096, 0))

    return _AfterFirstSave(fill)


def _ckpts(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith('.pth'))


def _check_stopped_cleanly(err, ckpt_dir, work_dir):
    msg = str(err.value)
    assert 'No space left on device' in msg and 'epoch_2.pth' in msg
    assert 'epoch_1.pth is intact' in msg, msg
    assert _ckpts(ckpt_dir) == ['epoch_1.pth']
    assert not atomic_write.tmp_files(ckpt_dir)
    prev = osp.join(ckpt_dir, 'epoch_1.pth')
    assert checkpoint_problem(prev) is None
    assert load_checkpoint_file(prev)['meta']['epoch'] == 1
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read() == prev
    return msg


@pytest.mark.slow
def test_enospc_during_save_keeps_previous(tmp_path, monkeypatch, fault_row):
    runner = toy_runner(tmp_path, max_epochs=2, max_keep_ckpts=1)
    runner.register_custom_hooks([_fail_writes(monkeypatch)])
    with pytest.raises(OSError) as err:
        runner.train()
    msg = _check_stopped_cleanly(err, str(tmp_path), str(tmp_path))
    monkeypatch.undo()  # space freed: --resume finishes the run
    resumed = toy_runner(tmp_path, max_epochs=2, max_keep_ckpts=1, resume=True)
    resumed.train()
    assert resumed.iter == 8 and _ckpts(tmp_path) == ['epoch_2.pth']
    fault_row(
        'fault', 'disk full half-way through a checkpoint write '
        '(ENOSPC injected), max_keep_ckpts=1', 'stop with a clear '
        'error; previous checkpoint intact; --resume finishes',
        f'"OSError: {msg}"; epoch_1.pth loads; --resume resumed at iter 4 '
        'and finished')


@pytest.mark.slow
def test_baseline_mmengine_hook_loses_the_only_checkpoint(
        tmp_path, monkeypatch, fault_row):
    """Why AtomicCheckpointHook prunes after saving."""
    runner = toy_runner(tmp_path, max_epochs=2, max_keep_ckpts=1, atomic=False)
    runner.register_custom_hooks([_fail_writes(monkeypatch)])
    with pytest.raises(OSError):
        runner.train()
    assert _ckpts(tmp_path) == []  # epoch_1 deleted before the failed write
    fault_row(
        'baseline', 'the same disk-full failure with mmengine\'s '
        'CheckpointHook (max_keep_ckpts=1)',
        'shows the failure mode AtomicCheckpointHook prevents',
        '0 checkpoints left: epoch_1.pth was deleted before the '
        'write failed')


@pytest.fixture
def small_tmpfs(tmp_path):
    mount_point = tmp_path / 'tmpfs'
    mount_point.mkdir()
    try:
        done = subprocess.run([
            'mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs',
            str(mount_point)
        ],
                              capture_output=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        done = None
    if done is None or done.returncode != 0:
        pytest.skip('cannot mount a tmpfs here (needs root); the injected '
                    'ENOSPC test covers the same code path')
    try:
        yield str(mount_point)
    finally:
        subprocess.run(['umount', '-l', str(mount_point)], timeout=10)


@pytest.mark.slow
def test_real_full_tmpfs_keeps_previous(tmp_path, small_tmpfs, fault_row):
    work = tmp_path / 'work'
    ckpt_dir = osp.join(small_tmpfs, 'work')  # out_dir/<work_dir name>
    runner = toy_runner(
        work,
        max_epochs=2,
        max_keep_ckpts=1,
        out_dir=small_tmpfs,
        custom_hooks=[_fill_disk(small_tmpfs)])
    with pytest.raises(OSError) as err:
        runner.train()
    assert err.value.errno == errno.ENOSPC
    msg = _check_stopped_cleanly(err, ckpt_dir, str(work))
    fault_row(
        'fault', 'disk full while saving (a real 2 MiB tmpfs, filled '
        'after the first checkpoint), max_keep_ckpts=1',
        'stop with a clear error; previous checkpoint intact',
        f'"OSError: {msg}"; epoch_1.pth loads')
