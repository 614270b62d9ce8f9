# Copyright (c) vicmae_mm contributors. All rights reserved.
"""``import vicmae_mm`` registers every component, and each one builds.

Every name that vicmae_mm registers must have an entry in ``BUILD_ARGS``
(tiny arguments), so a new component cannot be added without being built
here at least once.
"""
import pytest
from mmengine.registry import init_default_scope

import vicmae_mm  # noqa: F401
from vicmae_mm.utils import register_all_modules

TINY_VIT = dict(
    arch=dict(
        embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
    img_size=32,
    patch_size=8)
TINY_DECODER = dict(
    type='MAEPretrainDecoder',
    num_patches=16,
    patch_size=8,
    in_chans=3,
    embed_dim=32,
    decoder_embed_dim=32,
    decoder_depth=1,
    decoder_num_heads=2,
    mlp_ratio=2.)
TINY_PROJECTOR = dict(
    type='NonLinearNeck',
    in_channels=32,
    hid_channels=64,
    out_channels=16,
    num_layers=3,
    with_bias=True,
    with_last_bn=False,
    with_last_bias=True,
    with_avg_pool=False,
    norm_cfg=dict(type='BN1d'))
TINY_RECON_HEAD = dict(
    type='MAEReconHead',
    decoder=TINY_DECODER,
    loss=dict(type='PixelReconstructionLoss', criterion='L2'),
    norm_pix=True,
    patch_size=8)
TINY_CONTRAST_HEAD = dict(
    type='FrameContrastHead',
    projector=TINY_PROJECTOR,
    loss=dict(type='InfoNCELoss', temperature=0.1))

# registry name -> (scope, config)
BUILD_ARGS = {
    # models (mmpretrain)
    'VicMAEViT': ('mmpretrain', dict(mask_ratio=0.5, **TINY_VIT)),
    'TokenPoolNeck': ('mmpretrain', dict(mode='mean')),
    'MAEReconHead': ('mmpretrain', TINY_RECON_HEAD),
    'FrameContrastHead': ('mmpretrain', TINY_CONTRAST_HEAD),
    'InfoNCELoss': ('mmpretrain', dict()),
    'SimSiamLoss': ('mmpretrain', dict()),
    'VICRegLoss': ('mmpretrain', dict()),
    'FramePairDataPreprocessor': ('mmpretrain',
                                  dict(mean=[0.] * 3, std=[1.] * 3)),
    'ViCMAE': ('mmpretrain',
               dict(
                   backbone=dict(type='VicMAEViT', **TINY_VIT),
                   neck=dict(type='TokenPoolNeck'),
                   recon_head=TINY_RECON_HEAD,
                   contrast_head=TINY_CONTRAST_HEAD)),
    # models (mmaction)
    'ClsTokenVideoViT': ('mmaction',
                         dict(
                             img_size=32,
                             patch_size=8,
                             embed_dims=32,
                             depth=2,
                             num_heads=2,
                             num_frames=2)),
    'ViTRecognizer2D': ('mmaction',
                        dict(
                            backbone=dict(
                                type='mmpretrain.VisionTransformer',
                                **TINY_VIT),
                            cls_head=dict(
                                type='TSNHead',
                                num_classes=4,
                                in_channels=32,
                                spatial_type=None))),
    'ViTRecognizer3D': ('mmaction',
                        dict(
                            backbone=dict(
                                type='VisionTransformer',
                                img_size=32,
                                patch_size=8,
                                embed_dims=32,
                                depth=2,
                                num_heads=2,
                                num_frames=2,
                                tubelet_size=1),
                            cls_head=dict(
                                type='TimeSformerHead',
                                num_classes=4,
                                in_channels=32))),
    # transforms
    'SampleFramePair': ('mmpretrain', dict(min_gap=1, max_gap=4)),
    'PerFrameAugment': ('mmpretrain',
                        dict(transforms=[dict(type='RandomFlip', prob=0.5)])),
    'ImageToFrames': ('mmpretrain', dict(num_frames=2)),
    'PackFramePairs': ('mmpretrain', dict(num_frames=2)),
    'SortedDecordDecode': ('mmpretrain', dict()),
    'ExactVideoInit': ('mmpretrain', dict(cache_size=8)),
    'ExactVideoDecode': ('mmpretrain', dict(num_threads=1)),
    'LoadShardFramePair': ('mmpretrain', dict(num_frames=2)),
    # hooks
    'AtomicCheckpointHook': ('mmpretrain', dict(interval=1)),
    'BadSampleCounterHook': ('mmpretrain', dict()),
    'ContrastWeightHook': ('mmpretrain',
                           dict(warmup='linear', warmup_iters=10)),
    'IterSeedHook': ('mmpretrain', dict()),
    'ThroughputHook': ('mmpretrain', dict()),
    'ReconstructionVisHook': ('mmpretrain', dict(interval=10)),
}
# Need files or a model to build; built by their own tests and configs.
BUILT_ELSEWHERE = {
    'FramePairVideoDataset': 'tests/test_datasets',
    'FramePairRawframeDataset': 'tests/test_datasets',
    'ImagePairDataset': 'tests/test_datasets',
    'FramePairShardDataset': 'tests/test_datasets/test_shard_dataset.py',
    'ShardAwareSampler': 'tests/test_datasets/test_shard_dataset.py',
    'CompileSafeOptimWrapperConstructor': 'tests/test_engine',
    'CompileSafeLayerDecayOptimWrapperConstructor': 'tests/test_engine',
    'repeat_default_collate': 'tests/test_datasets',
    'CPUDistributedDataParallel': 'tests/test_engine/test_model_wrappers',
    # needs a visualizer instance
    'VideoVisualizationHook': 'tests/test_engine/test_hooks',
}


def _plugin_registrations():
    """(registry, name, obj) of everything registered from vicmae_mm."""
    import mmaction.registry as mmaction_reg
    import mmengine.registry as mmengine_reg
    import mmpretrain.registry as mmpretrain_reg
    seen = []
    for module in (mmpretrain_reg, mmaction_reg, mmengine_reg):
        for reg in vars(module).values():
            if type(reg).__name__ != 'Registry':
                continue
            for name, obj in reg.module_dict.items():
                if getattr(obj, '__module__', '').startswith('vicmae_mm'):
                    seen.append((reg, name, obj))
    return seen


def test_every_registered_name_is_covered():
    names = {name for _, name, _ in _plugin_registrations()}
    assert names, 'import vicmae_mm registered nothing'
    uncovered = names - set(BUILD_ARGS) - set(BUILT_ELSEWHERE)
    assert not uncovered, f'add tiny build args for {sorted(uncovered)}'
    stale = (set(BUILD_ARGS) | set(BUILT_ELSEWHERE)) - names
    assert not stale, f'no longer registered: {sorted(stale)}'


@pytest.mark.parametrize('name', sorted(BUILD_ARGS))
def test_registered_name_builds(name):
    scope, cfg = BUILD_ARGS[name]
    register_all_modules(init_default_scope=False)
    init_default_scope(scope)
    registry = {
        reg_name: reg
        for reg, reg_name, _ in _plugin_registrations()
        if reg.scope == scope or reg.scope == 'mmengine'
    }
    cfg = {k: v for k, v in cfg.items() if k != 'type'}
    obj = registry[name].build(dict(type=name, **cfg))
    assert type(obj).__name__ == name


@pytest.fixture(autouse=True, scope='module')
def _restore_scope():
    yield
    init_default_scope('mmpretrain')
