# Copyright (c) vicmae_mm contributors. All rights reserved.
import torch
from mmengine.config import ConfigDict
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)

PARAMWISE = dict(
    custom_keys={
        'ln': dict(decay_mult=0.),
        'bias': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.)
    })


def _tiny_mae():
    return MODELS.build(
        dict(
            type='MAE',
            backbone=dict(
                type='MAEViT',
                arch=dict(
                    embed_dims=32,
                    num_layers=2,
                    num_heads=2,
                    feedforward_channels=64),
                img_size=32,
                patch_size=8),
            neck=dict(
                type='MAEPretrainDecoder',
                num_patches=16,
                patch_size=8,
                embed_dim=32,
                decoder_embed_dim=32,
                decoder_depth=1,
                decoder_num_heads=2),
            head=dict(
                type='MAEPretrainHead',
                norm_pix=True,
                patch_size=8,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))


def _build(model, constructor, **paramwise):
    # a ConfigDict, as the Runner passes it: this is what makes the groups
    # ConfigDicts in mmengine's default constructor
    return build_optim_wrapper(
        model,
        ConfigDict(
            type='OptimWrapper',
            constructor=constructor,
            optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
            paramwise_cfg=dict(PARAMWISE, **paramwise)))


def test_groups_are_plain_dicts_with_the_default_values():
    model = _tiny_mae()
    default = _build(model, 'DefaultOptimWrapperConstructor')
    safe = _build(model, 'CompileSafeOptimWrapperConstructor')
    assert type(default.optimizer.param_groups[0]) is ConfigDict
    groups = safe.optimizer.param_groups
    assert all(type(g) is dict for g in groups)
    assert len(groups) == len(default.optimizer.param_groups)
    for g, ref in zip(groups, default.optimizer.param_groups):
        assert g['params'][0] is ref['params'][0]
        assert g['weight_decay'] == ref['weight_decay']
        assert g['lr'] == ref['lr']
    assert {g['weight_decay'] for g in groups} == {0., 0.05}


def test_layer_decay_variant():
    model = _tiny_mae()
    wrapper = _build(
        model,
        'CompileSafeLayerDecayOptimWrapperConstructor',
        layer_decay_rate=0.5)
    groups = wrapper.optimizer.param_groups
    assert all(type(g) is dict for g in groups)
    # depth 2 ViT: 4 depths -> lr scales 0.5**3 .. 1
    scales = sorted({round(g['lr_scale'], 6) for g in groups})
    assert scales == [0.125, 0.25, 0.5, 1.0]


def test_compiled_train_step_with_paramwise_cfg():
    torch.manual_seed(0)
    model = _tiny_mae()
    wrapper = _build(model, 'CompileSafeOptimWrapperConstructor')
    step = torch.compile(model.train_step, backend='eager')
    data = dict(
        inputs=torch.randint(0, 255, (2, 3, 32, 32)).float(),
        data_samples=None)
    before = model.backbone.patch_embed.projection.weight.detach().clone()
    for _ in range(2):
        losses = step(data, wrapper)
        assert torch.isfinite(losses['loss'])
    after = model.backbone.patch_embed.projection.weight
    assert not torch.equal(before, after)


def test_no_accumulation_means_constant_sync_and_update():
    """No Dynamo guard on mmengine's step counter without accumulation."""
    model = _tiny_mae()
    wrapper = _build(model, 'CompileSafeOptimWrapperConstructor')
    wrapper._inner_count = 7  # any value: the answers do not depend on it
    assert wrapper.should_sync() and wrapper.should_update()
    assert 'should_sync' in vars(wrapper)  # replaced on the instance
    accumulating = build_optim_wrapper(model, ConfigDict(
        type='OptimWrapper', accumulative_counts=2,
        constructor='CompileSafeOptimWrapperConstructor',
        optimizer=dict(type='AdamW', lr=1e-3)))
    assert 'should_sync' not in vars(accumulating)
    accumulating._inner_count = 0  # mmengine's counter-based answers
    assert not accumulating.should_sync()
    accumulating._inner_count = 1
    assert not accumulating.should_update()
