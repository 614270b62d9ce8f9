# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Every configs/_base_/models file builds and trains one step (shrunk)."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.utils.model_size import TINY_MODEL_OPTIONS

register_all_modules(init_default_scope=True)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs/_base_/models/vicmae_*.py')))
SHRINK = TINY_MODEL_OPTIONS
EXPECTED = {  # encoder width, depth, decoder width of the full configs
    'vicmae_vit-small-p16.py': (384, 12, 256),
    'vicmae_vit-base-p16.py': (768, 12, 512),
    'vicmae_vit-large-p16.py': (1024, 24, 512),
}


def test_all_configs_listed():
    assert sorted(map(osp.basename, CONFIGS)) == sorted(EXPECTED)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_defaults_and_one_train_step(path):
    cfg = Config.fromfile(path)
    m = cfg.model
    dims, depth, dec = EXPECTED[osp.basename(path)]
    arch = m.backbone.arch
    if isinstance(arch, str):
        from mmpretrain.models.backbones import VisionTransformer
        arch = VisionTransformer.arch_zoo[arch]
    assert (arch['embed_dims'], arch['num_layers']) == (dims, depth)
    assert m.recon_head.decoder.embed_dim == dims
    assert m.recon_head.decoder.decoder_embed_dim == dec
    assert m.contrast_head.projector.in_channels == dims
    assert m.backbone.mask_ratio == 0.5 and m.neck.mode == 'mean'
    assert (m.recon_weight, m.contrast_weight) == (0.97, 0.03)
    assert m.contrast_head.loss == dict(type='InfoNCELoss', temperature=0.1)
    assert m.data_preprocessor.to_rgb is False

    cfg.merge_from_dict(SHRINK)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))  # as the Runner
    model.init_weights()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    data = dict(inputs=[torch.rand(4, 3, 32, 32) * 255 for _ in range(2)],
                data_samples=[DataSample() for _ in range(4)])
    logs = model.train_step(data, optim)
    assert torch.isfinite(logs['loss'])
    assert {'loss_recon', 'loss_contrast', 'contrast_weight'} <= set(logs)
