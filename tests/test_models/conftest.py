# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Tiny ViC-MAE configs shared by the model tests (32 px, patch 8)."""
import copy

import pytest

TINY_ARCH = dict(
    embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
IMG, PATCH = 32, 8


def tiny_model_cfg(loss='InfoNCELoss', mode='mean', contrast_weight=0.03):
    """A ViCMAE config small enough for CPU unit tests."""
    head = dict(
        type='FrameContrastHead',
        projector=dict(
            type='NonLinearNeck', in_channels=32, hid_channels=64,
            out_channels=16, num_layers=3, with_bias=True,
            with_last_bn=False, with_last_bias=True, with_avg_pool=False,
            norm_cfg=dict(type='BN1d')),
        loss=dict(type=loss))
    if loss == 'SimSiamLoss':
        head['predictor'] = dict(
            type='NonLinearNeck', in_channels=16, hid_channels=32,
            out_channels=16, num_layers=2, with_avg_pool=False,
            with_last_bn=False, with_last_bias=True,
            norm_cfg=dict(type='BN1d'))
    return copy.deepcopy(dict(
        type='ViCMAE',
        backbone=dict(type='VicMAEViT', arch=TINY_ARCH, img_size=IMG,
                      patch_size=PATCH, mask_ratio=0.5),
        neck=dict(type='TokenPoolNeck', mode=mode),
        recon_head=dict(
            type='MAEReconHead', patch_size=PATCH,
            decoder=dict(type='MAEPretrainDecoder', num_patches=16,
                         patch_size=PATCH, embed_dim=32,
                         decoder_embed_dim=16, decoder_depth=1,
                         decoder_num_heads=2)),
        contrast_head=head,
        contrast_weight=contrast_weight,
        init_cfg=[dict(type='Xavier', layer='Linear',
                       distribution='uniform'),
                  dict(type='Constant', layer='LayerNorm', val=1.0,
                       bias=0.0)]))


@pytest.fixture
def tiny_cfg():
    """Factory of tiny ViCMAE configs: ``tiny_cfg(loss=..., mode=...)``."""
    return tiny_model_cfg
