# Copyright (c) vicmae_mm contributors. All rights reserved.
"""SIGKILL while a checkpoint is being written, then ``--resume``.

A tiny MAE trains with ``tools/train.py`` (checkpoint every 4 iterations,
``max_keep_ckpts=1``). The helper module slows the write of ``iter_8.pth``
down (``FAULT_SLOW_WRITE``) so that the kill, sent as soon as "Saving
checkpoint at 8 iterations" is in the log and the temporary file exists,
lands in the middle of the write. Without atomic writes no temporary file
would ever appear (the test fails); with mmengine's pruning order
``iter_4.pth`` would already be gone.
"""
import glob
import os
import os.path as osp
import signal
import subprocess
import time

import pytest

from tiny_train_setup import (PYTHON, REPO, last_checkpoint, make_tiny_setup,
                              run_tool, tool_env)

from vicmae_mm.checkpoint import checkpoint_problem, load_checkpoint_file
from vicmae_mm.checkpoint.atomic_write import TMP_SUFFIX, tmp_files

SLOW_WRITE = '''# fault suite: slow down one checkpoint write, FAULT_SLOW_WRITE=NAME:S
import os
import time as _time

import vicmae_mm.checkpoint.atomic_write as _atomic_write

_NAME, _, _SECONDS = os.environ.get('FAULT_SLOW_WRITE', '').partition(':')
if _NAME:
    _fast_write_all, _plain_write = (_atomic_write._write_all,
                                     _atomic_write.atomic_write_bytes)

    def _slow_write_all(fd, data):
        step = max(1, len(data) // 50)
        while len(data):
            data = data[os.write(fd, data[:step]):]
            _time.sleep(float(_SECONDS) / 50)

    def _atomic_write_bytes(data, path):
        slow = os.path.basename(str(path)) == _NAME
        _atomic_write._write_all = _slow_write_all if slow \\
            else _fast_write_all
        return _plain_write(data, path)

    _atomic_write.atomic_write_bytes = _atomic_write_bytes
'''
KEEP_ONE = ['--cfg-options', 'default_hooks.checkpoint.max_keep_ckpts=1']


def _kill_during_save(cfg, root, work, step, timeout=120):
    """Train, SIGKILL once ``iter_<step>.pth`` is being written.

    Returns:
        tuple[int, int]: Bytes of the temporary file at the kill, and of
        the complete checkpoint before it.
    """
    proc = subprocess.Popen(
        [PYTHON, 'tools/train.py', cfg, '--work-dir', work, *KEEP_ONE],
        cwd=REPO,
        env=tool_env(
            root,
            FAULT_SLOW_WRITE=f'iter_{step}.pth:1.5',
            PYTHONUNBUFFERED='1'),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    deadline, log = time.time() + timeout, []
    try:
        for line in proc.stdout:
            log.append(line)
            if f'Saving checkpoint at {step} iterations' in line:
                break
            assert time.time() < deadline, ''.join(log[-30:])
        pattern = osp.join(work, f'.iter_{step}.pth.*{TMP_SUFFIX}')
        while not [p for p in glob.glob(pattern) if osp.getsize(p)]:
            assert proc.poll() is None and time.time() < deadline, \
                'no temporary file appeared:\n' + ''.join(log[-30:])
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    partial = glob.glob(pattern)
    assert len(partial) == 1
    return osp.getsize(partial[0])


@pytest.mark.slow
def test_sigkill_during_checkpoint_write_then_resume(tmp_path, fault_row):
    root = str(tmp_path)
    cfg = make_tiny_setup(root, max_iters=12, ckpt_interval=4)
    # a module of its own, imported by the config after the tiny helpers
    with open(osp.join(root, 'fault_slow_write.py'), 'w') as f:
        f.write(SLOW_WRITE)
    with open(cfg, 'a') as f:
        f.write("\ncustom_imports = dict(imports=['vicmae_mm', 'tiny_helper', "
                "'fault_slow_write'], allow_failed_imports=False)\n")
    work = osp.join(root, 'work')
    partial = _kill_during_save(cfg, root, work, step=8)

    previous = osp.join(work, 'iter_4.pth')
    full_size = osp.getsize(previous)
    assert 0 < partial < full_size  # killed mid-write
    assert not osp.exists(osp.join(work, 'iter_8.pth'))
    assert last_checkpoint(work) == previous
    assert checkpoint_problem(previous) is None  # kept: pruned only after

    resumed = run_tool([
        PYTHON, 'tools/train.py', cfg, '--work-dir', work, '--resume',
        *KEEP_ONE
    ],
                       root,
                       timeout=120)
    out = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, out[-3000:]
    assert 'left by an interrupted checkpoint write' in out
    assert 'resumed epoch: 0, iter: 4' in out
    assert not tmp_files(work)
    final = osp.join(work, 'iter_12.pth')
    assert last_checkpoint(work) == final
    assert sorted(n for n in os.listdir(work)
                  if n.endswith('.pth')) == ['iter_12.pth']
    assert load_checkpoint_file(final)['meta']['iter'] == 12
    fault_row(
        'fault', 'SIGKILL during a checkpoint write (right after '
        '"Saving checkpoint at 8 iterations"), then --resume',
        'no partial checkpoint under a real name; resume from the '
        'last complete one', f'killed with {partial} of ~{full_size} '
        'bytes in a temporary file; iter_8.pth absent; iter_4.pth '
        'complete and named by last_checkpoint; resumed at iter 4, '
        'finished iter 12, temporary file removed')
