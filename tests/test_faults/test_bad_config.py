# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Bad values fail when the config is built (model, pipeline, hooks, data
loader), before any iteration, with the key and the expected range.

Each case overrides the README's demo config the way ``--cfg-options``
does and builds the part that holds the value.
"""
import os.path as osp

import pytest
from fault_helpers import REPO, first_line
from mmengine.config import Config
from mmengine.dataset import Compose
from mmpretrain.registry import HOOKS, MODELS
from toy_runner import toy_runner

from vicmae_mm.engine.hooks import BadSampleCounterHook
from vicmae_mm.engine.hooks.bad_sample_counter_hook import \
    check_loader_yields_batches

DEMO = osp.join(REPO, 'configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py')


def _build_model(cfg):
    MODELS.build(cfg.model)


def _build_pipeline(cfg):
    Compose(cfg.train_dataloader.dataset.pipeline)


def _pipeline_step(cfg, type_name):
    return next(t for t in cfg.train_dataloader.dataset.pipeline
                if t['type'] == type_name)


# name -> (override, builder, words the first line of the error must hold)
CASES = {
    'mask ratio 1.0': ({
        'model.backbone.mask_ratio': 1.0
    }, _build_model, ('mask_ratio', '(0, 1)')),
    'mask ratio 0': ({
        'model.backbone.mask_ratio': 0.0
    }, _build_model, ('mask_ratio', '(0, 1)')),
    'mask ratio -0.5': ({
        'model.backbone.mask_ratio': -0.5
    }, _build_model, ('mask_ratio', '(0, 1)')),
    "unknown pooling 'median'": ({
        'model.neck.mode': 'median'
    }, _build_model, ('pooling mode', "'mean'")),
    'temperature 0': ({
        'model.contrast_head.loss.temperature': 0.0
    }, _build_model, ('temperature', '> 0')),
    'temperature -0.1': ({
        'model.contrast_head.loss.temperature': -0.1
    }, _build_model, ('temperature', '> 0')),
    'T = 1 frame per sample (SampleFramePair)':
    (('SampleFramePair', 'num_frames', 1), _build_pipeline, ('num_frames',
                                                             '>= 2')),
    'T = 1 frame per sample (PackFramePairs)':
    (('PackFramePairs', 'num_frames', 1), _build_pipeline, ('num_frames',
                                                            '>= 2')),
    'min_gap 16 > max_gap 4': (('SampleFramePair', 'min_gap', 16),
                               _build_pipeline, ('min_gap', 'max_gap', '<=')),
    'negative min_gap':
    (('SampleFramePair', 'min_gap', -1), _build_pipeline, ('min_gap', '0 <=')),
    'num_pairs 0': (('SampleFramePair', 'num_pairs', 0), _build_pipeline,
                    ('num_pairs', '>= 1')),
}


@pytest.mark.parametrize('case', list(CASES))
def test_bad_value_fails_at_build(case, fault_row):
    override, build, words = CASES[case]
    cfg = Config.fromfile(DEMO)
    if isinstance(override, dict):
        cfg.merge_from_dict(override)
    else:
        type_name, key, value = override
        step = _pipeline_step(cfg, type_name)
        step[key] = value
        if key == 'min_gap' and value > 0:
            step['max_gap'] = 4
    with pytest.raises(ValueError) as err:
        build(cfg)
    line = first_line(err.value)
    for word in words:
        assert word in line, (word, line)
    fault_row('input', f'config value: {case}', 'ValueError at build '
              'naming the key and the expected range', line)


@pytest.mark.slow
def test_batch_larger_than_data_with_drop_last(tmp_path, fault_row):
    """tools/train.py checks before any scheduler or iteration; the hook
    checks in before_run for scripts that build their own Runner."""
    runner = toy_runner(
        tmp_path, max_epochs=1, custom_hooks=[BadSampleCounterHook()])
    runner._train_dataloader.update(batch_size=16, drop_last=True)
    with pytest.raises(ValueError) as err:
        check_loader_yields_batches(runner.train_dataloader)  # as train.py
    line = first_line(err.value)
    assert 'batch_size=16' in line and '8 samples' in line
    assert '1 <= batch_size <= 8' in line
    with pytest.raises(ValueError, match='batch_size=16'):
        runner.train()  # the hook, before any iteration
    assert runner.iter == 0
    fault_row(
        'input', 'batch size 16 > 8 samples with drop_last=True',
        'ValueError before the first iteration naming batch size, '
        'data size and range', line)


def test_bad_fraction_out_of_range(fault_row):
    with pytest.raises(ValueError) as err:
        HOOKS.build(dict(type='BadSampleCounterHook', max_bad_fraction=5))
    line = first_line(err.value)
    assert 'max_bad_fraction' in line and '[0, 1]' in line
    fault_row('input', 'config value: max_bad_fraction 5', 'ValueError at '
              'build naming the key and the range', line)
