# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Truncated, empty, corrupt or missing checkpoints: resume falls back to
the previous complete one with a warning; an explicitly named damaged file
fails with its path and what is wrong (never a raw PytorchStreamReader
error)."""
import logging
import os
import os.path as osp
import shutil

import pytest
from fault_helpers import first_line, pretrained_init
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import CheckpointLoader
from toy_runner import toy_runner

from vicmae_mm.checkpoint import (CorruptCheckpointError, checkpoint_problem,
                                  load_checkpoint_file)


def _truncate(path):
    size = osp.getsize(path)
    with open(path, 'r+b') as f:
        f.truncate(size // 2)


def _empty(path):
    open(path, 'w').close()


def _flip_byte(path):
    size = osp.getsize(path)
    with open(path, 'r+b') as f:
        f.seek(size // 3)
        byte = f.read(1)
        f.seek(size // 3)
        f.write(bytes([byte[0] ^ 0xFF]))


def _random_bytes(path):
    with open(path, 'wb') as f:
        f.write(os.urandom(4096))


DAMAGE = {
    'truncated to half': (_truncate, 'truncated'),
    'empty (0 bytes)': (_empty, 'empty'),
    'one byte flipped': (_flip_byte, 'CRC'),
    'random bytes': (_random_bytes, 'not a PyTorch checkpoint'),
    'deleted': (os.remove, None),
}


class _Warnings(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _resume(work, max_epochs=4):
    runner = toy_runner(work, max_epochs=max_epochs, resume=True)
    records = _Warnings()
    MMLogger.get_current_instance().addHandler(records)
    try:
        runner.train()
    finally:
        MMLogger.get_current_instance().removeHandler(records)
    return runner, records.messages


@pytest.mark.parametrize('damage', list(DAMAGE))
def test_damaged_last_checkpoint_falls_back(damage, tmp_path, fault_row):
    toy_runner(tmp_path, max_epochs=3).train()
    named = str(tmp_path / 'epoch_3.pth')
    DAMAGE[damage][0](named)
    runner, warnings = _resume(tmp_path)
    fallback = [w for w in warnings if 'previous complete checkpoint' in w]
    assert len(fallback) == 1 and 'epoch_3.pth' in fallback[0]
    assert 'epoch_2.pth' in fallback[0]
    if DAMAGE[damage][1]:
        assert DAMAGE[damage][1] in fallback[0]
    assert runner.epoch == 4 and runner.iter == 16  # 8 + 2 epochs of 4
    assert checkpoint_problem(str(tmp_path / 'epoch_4.pth')) is None
    fault_row(
        'fault', f'last_checkpoint names a checkpoint that is '
        f'{damage}; --resume', 'warning, resume from the previous '
        'complete checkpoint', f'resumed from epoch_2.pth (iter 8), '
        f'trained to epoch 4; warning: "{fallback[0]}"')


def test_plain_mmengine_hook_gets_an_actionable_error(tmp_path, fault_row):
    """A user config with mmengine's CheckpointHook (no fallback): the
    safe loader still names the damaged file and the one to resume from."""
    toy_runner(tmp_path, max_epochs=3, atomic=False).train()
    _truncate(str(tmp_path / 'epoch_3.pth'))
    with pytest.raises(CorruptCheckpointError) as err:
        toy_runner(tmp_path, max_epochs=4, resume=True, atomic=False).train()
    line = first_line(err.value)
    assert 'epoch_3.pth' in line and '--resume' in line
    assert 'epoch_2.pth' in line
    fault_row(
        'fault', 'last_checkpoint names a truncated file, config with '
        "mmengine's CheckpointHook (no automatic fallback); --resume",
        'an error naming the file, the fault and the checkpoint to resume '
        'from', line)


@pytest.mark.parametrize('case',
                         ['empty last_checkpoint', 'no last_checkpoint'])
def test_unusable_last_checkpoint_file(case, tmp_path, fault_row):
    toy_runner(tmp_path, max_epochs=2).train()
    if case == 'empty last_checkpoint':
        _empty(str(tmp_path / 'last_checkpoint'))
    else:
        os.remove(tmp_path / 'last_checkpoint')
    runner, warnings = _resume(tmp_path, max_epochs=3)
    assert any('epoch_2.pth' in w and 'No usable last_checkpoint' in w
               for w in warnings), warnings
    assert runner.iter == 12  # resumed at 8, not retrained from 0
    fault_row('fault', f'{case} (killed before it was written); --resume',
              'resume from the newest complete checkpoint',
              'resumed from epoch_2.pth (iter 8) with a warning')


def test_stale_last_checkpoint_is_a_complete_file(tmp_path, fault_row):
    """Killed after epoch_3.pth was renamed into place but before
    last_checkpoint was updated: it still names epoch_2.pth."""
    toy_runner(tmp_path, max_epochs=3).train()
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    runner, _ = _resume(tmp_path)
    assert runner.iter == 16
    fault_row(
        'fault', 'killed between the checkpoint rename and the '
        'last_checkpoint update; --resume', 'resume from the complete '
        'file last_checkpoint names', 'resumed from epoch_2.pth, '
        'trained to epoch 4 (one interval redone)')


def test_only_checkpoint_damaged(tmp_path, fault_row):
    toy_runner(tmp_path, max_epochs=1).train()
    _truncate(str(tmp_path / 'epoch_1.pth'))
    with pytest.raises(CorruptCheckpointError) as err:
        toy_runner(tmp_path, max_epochs=2, resume=True).train()
    line = first_line(err.value)
    assert 'epoch_1.pth' in line and 'truncated' in line
    assert 'no other complete checkpoint' in line
    fault_row('fault', 'the only checkpoint is truncated; --resume',
              'stop with the path and the fault (no silent restart)', line)


EXPLICIT = {
    '--resume PATH':
    lambda p, w: toy_runner(w, max_epochs=3, resume=True, load_from=p).train(),
    'load_from':
    lambda p, w: toy_runner(w, max_epochs=1, load_from=p).train(),
    "init_cfg=dict(type='Pretrained')":
    lambda p, w: pretrained_init(p),
    'CheckpointLoader':
    lambda p, w: CheckpointLoader.load_checkpoint(p),
}


@pytest.mark.parametrize('path_name', list(EXPLICIT))
def test_explicit_damaged_checkpoint_names_path_and_fault(
        path_name, tmp_path, fault_row):
    toy_runner(tmp_path / 'run', max_epochs=2).train()
    ckpt = str(tmp_path / 'run' / 'epoch_2.pth')
    shutil.copy(ckpt, tmp_path / 'pristine.pth')
    seen = []
    for damage, (apply, words) in DAMAGE.items():
        if words is None:
            continue
        shutil.copy(tmp_path / 'pristine.pth', ckpt)
        apply(ckpt)
        with pytest.raises(CorruptCheckpointError) as err:
            EXPLICIT[path_name](ckpt, str(tmp_path / 'w'))
        line = first_line(err.value)
        assert ckpt in line and words in line, line
        assert 'epoch_1.pth' in line  # the complete one next to it
        assert 'PytorchStreamReader' not in line
        seen.append(damage)
        if damage == 'truncated to half':
            shown = line
    fault_row(
        'input', f'damaged checkpoint given to {path_name} '
        f'({", ".join(seen)})', 'CorruptCheckpointError naming the '
        'path, the fault and the previous complete checkpoint',
        f'{len(seen)} of {len(seen)} as expected, e.g. '
        f'"{shown}"',
        cases=len(seen))


def test_clean_checkpoint_passes_the_checks(tmp_path, fault_row):
    toy_runner(tmp_path, max_epochs=1).train()
    assert checkpoint_problem(str(tmp_path / 'epoch_1.pth')) is None
    ckpt = load_checkpoint_file(str(tmp_path / 'epoch_1.pth'))
    fault_row('input', 'control: a complete Runner checkpoint', 'passes the '
              'truncation and CRC checks and loads', f'loaded: '
              f'{sorted(ckpt)}')
