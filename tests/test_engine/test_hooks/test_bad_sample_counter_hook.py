# Copyright (c) vicmae_mm contributors. All rights reserved.
from unittest.mock import MagicMock

from mmpretrain.registry import HOOKS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def _sample(events=None):
    s = DataSample()
    if events:
        s.set_metainfo(dict(data_events=events))
    return s


def test_counts_per_epoch_and_totals():
    hook = HOOKS.build(dict(type='BadSampleCounterHook', max_files=5))
    runner = MagicMock(epoch=0)
    batch = dict(inputs=[], data_samples=[
        _sample([('missing', 'a.mp4'), ('short_video', 'b.mp4')]),
        _sample(),
        _sample([('corrupt', 'c.mp4')])
    ])
    hook.after_train_iter(runner, 0, batch)
    hook.after_train_iter(runner, 1, dict(data_samples=[
        _sample([('missing', 'a.mp4')])]))
    hook.after_train_epoch(runner)
    msg = runner.logger.info.call_args[0][0]
    assert 'corrupt=1, missing=2, short_video=1' in msg
    assert 'a.mp4 (missing)' in msg and 'c.mp4 (corrupt)' in msg
    assert 'b.mp4' not in msg  # fallbacks are counted, not listed
    runner.message_hub.update_info.assert_called_with(
        'data/bad_samples', dict(missing=2, corrupt=1, short_video=1))
    hook.after_train_epoch(runner)  # a clean epoch
    msg = runner.logger.info.call_args[0][0]
    assert 'no bad samples' in msg and 'missing=2' in msg
    assert repr(hook) == ('BadSampleCounterHook(max_files=5, '
                          'max_bad_fraction=0.05, interval=None)')
