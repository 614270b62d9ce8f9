# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Safe checkpoint loading under torch>=2.6 (weights_only=True)."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader
from toy_runner import toy_runner

import vicmae_mm  # noqa: F401  (installs the loader)
from vicmae_mm.checkpoint import (TRUST_ENV_VAR, UnsafeCheckpointError,
                                  load_checkpoint_file)


class _Evil:
    """Pickles to ``os.system('touch <marker>')``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.mark.slow
def test_runner_checkpoint_resumes(tmp_path):
    toy_runner(tmp_path, max_epochs=2).train()
    ckpt = tmp_path / 'epoch_2.pth'
    # What makes plain torch.load refuse it: the message hub's content.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt, weights_only=True)
    loaded = load_checkpoint_file(str(ckpt))
    buffers = loaded['message_hub']['log_scalars']
    assert 'train/loss' in buffers
    assert isinstance(buffers['train/loss'].mean(), np.floating)
    # Resume through mmengine (CheckpointLoader -> our loader).
    runner = toy_runner(tmp_path, max_epochs=3, resume=True)
    runner.train()
    assert runner.epoch == 3 and runner.iter == 12
    assert (tmp_path / 'epoch_3.pth').is_file()


def test_loader_is_registered_for_local_and_http():
    from vicmae_mm.checkpoint.schemes import (load_from_safe_http,
                                              load_from_safe_local)
    assert CheckpointLoader._schemes[''] is load_from_safe_local
    assert CheckpointLoader._schemes['https://'] is load_from_safe_http


def test_malicious_pickle_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _Evil(marker)}, path)
    with pytest.raises(UnsafeCheckpointError) as err:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()
    msg = str(err.value)
    assert 'system' in msg and TRUST_ENV_VAR in msg and 'evil.pth' in msg


def test_getattr_escape_is_refused(tmp_path):
    """getattr is allowed only for HistoryBuffer's statistic methods."""
    from mmengine.logging.history_buffer import HistoryBuffer

    class _Walk:

        def __reduce__(self):
            return getattr, (HistoryBuffer, '__init__')

    path = tmp_path / 'walk.pth'
    torch.save({'x': _Walk()}, path)
    with pytest.raises(UnsafeCheckpointError, match='__init__'):
        load_checkpoint_file(str(path))


def test_trusted_opt_in_loads_legacy_file(tmp_path, monkeypatch):
    path = tmp_path / 'legacy.pth'
    torch.save({'meta': {'when': __import__('datetime').date(2024, 1, 1)}},
               path)
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_file(str(path))
    monkeypatch.setenv(TRUST_ENV_VAR, '1')
    assert load_checkpoint_file(str(path))['meta']['when'].year == 2024


def test_missing_file_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))


@pytest.mark.parametrize(
    'tail',
    [
        b'h\x20.',  # KeyError 32 (memo)
        b'e.',  # IndexError: pop from empty list (no mark)
        b'X\xff\xff\x00\x00ab',  # EOFError
        b'\x80\x02K\x05.',  # RuntimeError: invalid protocol version
        b'\x80\x02M\xe9\x03.\x80\x02}q\x00(X\x01\x00\x00\x00ab',  # IndexError
    ])
def test_damaged_legacy_file_is_corrupt(tail, tmp_path):
    """The legacy torch header followed by garbage: whatever torch's
    unpickler raises (KeyError, IndexError, ...) is a CorruptCheckpointError
    naming the file; bytes without the header are refused before torch."""
    from vicmae_mm.checkpoint import (CorruptCheckpointError,
                                      load_checkpoint_bytes)
    from vicmae_mm.checkpoint.integrity import LEGACY_HEADERS
    path = tmp_path / 'legacy.pth'
    path.write_bytes(LEGACY_HEADERS[0] + tail)
    with pytest.raises(CorruptCheckpointError, match='legacy.pth'):
        load_checkpoint_file(str(path))
    with pytest.raises(CorruptCheckpointError, match='not a PyTorch'):
        load_checkpoint_bytes(b'\x80' + tail, 's3://bucket/x.pth')
