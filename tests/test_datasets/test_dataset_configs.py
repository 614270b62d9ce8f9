# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Every configs/_base_/datasets file builds and yields one batch."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                      'datasets')


def _point_at_demo(ds, root):
    """Redirect a dataset config to the tmp demo set (same source kind)."""
    ds.data_root = root
    if ds.type == 'FramePairRawframeDataset':
        ds.update(ann_file='rawframes_train.txt',
                  data_prefix=dict(img='rawframes'))
    elif ds.type == 'FramePairVideoDataset':
        ds.update(ann_file='videos_train.txt',
                  data_prefix=dict(video='videos'))
    else:
        ds.data_prefix = 'images/train'


@pytest.mark.parametrize('name,num_pairs', [
    ('vicmae_demo_frame_pairs.py', 1),
    ('k400_frame_pairs.py', 1),
    ('k400_video_frame_pairs.py', 4),
    ('in1k_image_pairs.py', 1),
])
def test_config_yields_a_batch(demo_root, name, num_pairs):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    ds = loader.dataset
    for sub in ds.get('datasets', [ds]):
        _point_at_demo(sub, demo_root)
    batch = next(iter(Runner.build_dataloader(loader, seed=0)))
    assert len(batch['inputs']) == 2
    size = cfg.crop_size
    for frames in batch['inputs']:
        assert frames.shape == (2 * num_pairs, 3, size, size)
        assert frames.dtype == torch.uint8
    assert len(batch['data_samples']) == 2 * num_pairs
    pre = MODELS.build(cfg.data_preprocessor)
    out = pre(batch, training=True)
    assert isinstance(out['inputs'], list) and len(out['inputs']) == 2
    assert out['inputs'][0].dtype == torch.float32
    assert abs(out['inputs'][0].mean().item()) < 3
    assert cfg.custom_hooks == [dict(type='BadSampleCounterHook')]


def test_demo_config_creates_missing_demo_set(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'vicmae_demo_frame_pairs.py'))
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader.dataset.data_root = str(tmp_path / 'demo')
    batch = next(iter(Runner.build_dataloader(loader, seed=0)))
    assert batch['inputs'][0].shape == (2, 3, 32, 32)
    assert osp.isfile(tmp_path / 'demo' / 'rawframes_train.txt')
