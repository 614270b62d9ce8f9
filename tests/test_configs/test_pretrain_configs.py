# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Every pre-training config builds its model and trains 2 iterations.

Each config of ``configs/*.py``, ``configs/ablations/*.py`` and
``configs/learning_check/*.py`` builds its
full-size model (model img_size = data crop size), is then shrunk (tiny ViT,
32 px, batch 2, OptimWrapper, no compile) and run for 2 iterations through a
real Runner on a small demo dataset. The recipe values, the names and the
coverage of every config are checked in test_pretrain_recipes.py.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.utils.model_size import TINY_MODEL_OPTIONS

register_all_modules(init_default_scope=True)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join(ROOT, 'configs')
PRETRAIN = sorted(
    glob.glob(osp.join(CFG_DIR, '*.py')) +
    glob.glob(osp.join(CFG_DIR, 'ablations', '*.py')) +
    glob.glob(osp.join(CFG_DIR, 'learning_check', '*.py')))
IDS = [osp.relpath(p, CFG_DIR) for p in PRETRAIN]
DEMO = 'vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py'

TINY = TINY_MODEL_OPTIONS


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A small demo set (videos, raw frames, images), built once."""
    from vicmae_mm.datasets.demo import make_demo_dataset
    root = str(tmp_path_factory.mktemp('pretrain_cfg') / 'vicmae_demo')
    make_demo_dataset(
        root,
        seed=0,
        videos_per_class=2,
        val_videos_per_class=1,
        images_per_class=2,
        val_images_per_class=1,
        video_size=64,
        num_frames=24,
        image_size=40,
        rawframes=True)
    return root + '/'


def _walk(obj):
    """Every dict inside a config value (depth first)."""
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _walk(v)


def _datasets(loader):
    ds = loader.dataset
    return ds.datasets if ds.type == 'ConcatDataset' else [ds]


def _point_at_demo(ds, root, num_samples):
    """Redirect a dataset config to ``num_samples`` samples of the demo set
    (same source kind)."""
    ds.data_root = root
    if ds.type == 'FramePairRawframeDataset':
        ds.update(
            ann_file='rawframes_train.txt', data_prefix=dict(img='rawframes'))
        ds.pop('filename_tmpl', None)  # the demo frames: img_00001.jpg
    elif ds.type == 'FramePairVideoDataset':
        ds.update(
            ann_file='videos_train.txt', data_prefix=dict(video='videos'))
    elif ds.type == 'FramePairShardDataset':
        from vicmae_mm.datasets.pair_shards import ensure_demo_shards
        ensure_demo_shards(root)
        ds.shards = 'shards/shard-*.tar'
    else:
        ds.data_prefix = 'images/train'
    ds.indices = num_samples


def _build_once(cfg, built={}):  # noqa: B006 (cache across parameters)
    """Build the full-size model; identical model configs are built once."""
    key = repr(cfg.model)
    if key not in built:
        model = MODELS.build(cfg.model)
        built[key] = sum(p.numel() for p in model.parameters())
    return built[key]


@pytest.mark.slow
@pytest.mark.parametrize('path', PRETRAIN, ids=IDS)
def test_config_builds_model_and_trains_two_iters(path, demo_data, tmp_path):
    cfg = Config.fromfile(path)
    # the full-size model builds (ViT-B about 110M parameters, L about 330M)
    num_params = _build_once(cfg)
    arch = cfg.model.backbone.arch  # a dict for the tiny demo ViT
    assert num_params > (
        dict(b=1e8, l=3e8)[arch] if arch in ('b', 'l') else 1e5)
    # the data crop and the model input agree
    for t in _walk(cfg.train_dataloader):
        if t.get('type') == 'RandomResizedCrop':
            assert t.scale == cfg.model.backbone.img_size

    # tiny overrides
    cfg.merge_from_dict(TINY)
    predictor = cfg.model.contrast_head.get('predictor')
    if predictor:
        predictor.update(in_channels=8, hid_channels=16, out_channels=8)
    for t in _walk(cfg.train_dataloader):
        if t.get('type') == 'RandomResizedCrop':
            t.scale = 32
    loader = cfg.train_dataloader
    loader.update(
        batch_size=2,
        num_workers=0,
        persistent_workers=False,
        pin_memory=False)
    sources = _datasets(loader)
    for ds in sources:  # 4 samples in all, batch 2: 2 iterations
        _point_at_demo(ds, demo_data, 4 // len(sources))
        ds.pop('auto_create_demo', None)
    cfg.optim_wrapper.type = 'OptimWrapper'
    for key in ('dtype', 'loss_scale'):
        cfg.optim_wrapper.pop(key, None)
    by_iter = cfg.train_cfg.get('type') == 'IterBasedTrainLoop'
    cfg.merge_from_dict({
        'work_dir': str(tmp_path),
        'compile': False,
        'default_hooks.logger.interval': 1,
    })
    if by_iter:  # the learning-check configs
        cfg.train_cfg.max_iters = 2
        cfg.default_hooks.checkpoint.interval = 2
    else:
        cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    hub = runner.message_hub
    for key in ('loss', 'loss_recon', 'loss_contrast', 'raw_contrast',
                'contrast_weight', 'lr', 'data_time', 'pairs_per_s'):
        value = hub.get_scalar(f'train/{key}').current()
        assert value == value, key  # logged and not NaN
    assert 'data/bad_samples' in hub.runtime_info
    assert osp.isfile(
        osp.join(str(tmp_path), 'iter_2.pth' if by_iter else 'epoch_1.pth'))


def test_compile_switch_with_paramwise_cfg():
    """``compile = True`` needs plain-dict param groups with the schedule's
    paramwise_cfg (pitfall 7); the compiled step itself is run by
    tests/test_engine/test_optimizers/
    test_compile_safe_optim_wrapper_constructor.py."""
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(osp.join(CFG_DIR, DEMO))
    assert cfg.compile is False  # the documented switch
    cfg.merge_from_dict(TINY)
    built = MODELS.build(cfg.model)
    optim = build_optim_wrapper(built, cfg.optim_wrapper)
    groups = optim.optimizer.param_groups
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert all(type(g) is dict for g in groups)
    assert {g['weight_decay'] for g in groups} == {0.0, 0.05}
    # no weight decay on any norm (encoder LayerNorms, projector BatchNorms,
    # biases, tokens); the Linear weights decay
    by_id = {
        id(p): g['weight_decay']
        for g in optim.optimizer.param_groups
        for p in g['params']
    }
    decay_of = {
        n: by_id[id(p)]
        for n, p in built.named_parameters() if id(p) in by_id
    }
    assert decay_of['contrast_head.projector.bn0.weight'] == 0.0
    assert decay_of['backbone.layers.0.ln1.weight'] == 0.0
    assert decay_of['contrast_head.projector.fc0.weight'] == 0.05
    assert decay_of['backbone.layers.0.attn.qkv.weight'] == 0.05
