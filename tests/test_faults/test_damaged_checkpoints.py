# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Truncated, empty, corrupt or missing checkpoints: resume falls back to
the previous complete one with a warning; an explicitly named damaged file
fails with its path and what is wrong (never a raw PytorchStreamReader
error)."""
import logging
import os
import os.path as osp
import pickle
import random
import shutil

import pytest
import torch
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_clean_checkpoint_passes_the_checks(tmp_path, fault_row):
    toy_runner(tmp_path, max_epochs=1).train()
    assert checkpoint_problem(str(tmp_path / 'epoch_1.pth')) is None
    ckpt = load_checkpoint_file(str(tmp_path / 'epoch_1.pth'))
    fault_row('input', 'control: a complete Runner checkpoint', 'passes the '
              'truncation and CRC checks and loads', f'loaded: '
              f'{sorted(ckpt)}')


def _seeded_bytes(seed, prefix=b''):
    rng = random.Random(seed)
    return prefix + rng.randbytes(4096 - len(prefix))


#: Files that are no checkpoint. One random file in 256 starts with 0x80,
#: the first byte of a pickle: the loader used to take those for legacy
#: torch files and surfaced whatever torch's unpickler raised on them
#: ("IndexError: pop from empty list", KeyError, a pickle-opcode refusal).
NOT_CHECKPOINTS = dict(
    [(f'random bytes, seed {s}', _seeded_bytes(s)) for s in range(4)] +
    [(f'random bytes after 0x80, seed {s}', _seeded_bytes(s, b'\x80'))
     for s in range(12)] +
    [(f'random bytes after 0x80 0x02, seed {s}',
      _seeded_bytes(s, b'\x80\x02')) for s in range(12)] + [
          ('a plain pickle of a dict', pickle.dumps({'w': [1.0]}, 2)),
          ('a protocol-5 pickle', pickle.dumps({'w': [1.0]}, 5)),
          ('text', b'epoch_2.pth\n'),
          ('an empty zip archive', b'PK\x05\x06' + bytes(18)),
      ])


@pytest.mark.slow
@pytest.mark.parametrize('loader', ['load_checkpoint_file', 'resume'])
def test_non_checkpoints_are_named_as_such(loader, tmp_path, fault_row):
    toy_runner(tmp_path, max_epochs=2).train()
    ckpt = str(tmp_path / 'epoch_2.pth')
    with open(ckpt, 'rb') as f:
        pristine = f.read()
    runner = toy_runner(tmp_path, max_epochs=2, resume=True)
    hook = next(
        h for h in runner.hooks if hasattr(h, 'find_resume_checkpoint'))
    for name, data in NOT_CHECKPOINTS.items():
        with open(ckpt, 'wb') as f:
            f.write(data)
        assert checkpoint_problem(ckpt).startswith(
            'not a PyTorch checkpoint'), name
        if loader == 'load_checkpoint_file':
            with pytest.raises(CorruptCheckpointError) as err:
                load_checkpoint_file(ckpt)
            line = first_line(err.value)
            assert ckpt in line and 'not a PyTorch checkpoint' in line, line
        else:  # the damaged last checkpoint is skipped, not loaded
            assert hook.find_resume_checkpoint(runner).endswith(
                'epoch_1.pth'), name
    # a truncated header is 'truncated'; the real file still loads
    with open(ckpt, 'wb') as f:
        f.write(pristine[:3])
    assert checkpoint_problem(ckpt).startswith('truncated'), pristine[:3]
    legacy = str(tmp_path / 'legacy.pth')
    torch.save({'w': torch.ones(2)},
               legacy,
               _use_new_zipfile_serialization=False)
    assert checkpoint_problem(legacy) is None
    assert load_checkpoint_file(legacy)['w'].sum() == 2
    fault_row(
        'input', f'{len(NOT_CHECKPOINTS)} files that are no checkpoint '
        '(random bytes, some starting like a pickle, pickles, text, an '
        f'empty zip) given to {loader}', 'CorruptCheckpointError '
        '"not a PyTorch checkpoint" naming the path; resume skips them',
        f'{len(NOT_CHECKPOINTS)} of {len(NOT_CHECKPOINTS)} as expected',
        cases=len(NOT_CHECKPOINTS))
