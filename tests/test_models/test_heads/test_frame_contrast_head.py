# Copyright (c) vicmae_mm contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)

PROJ = dict(type='NonLinearNeck', in_channels=8, hid_channels=16,
            out_channels=4, num_layers=3, with_bias=True,
            with_last_bn=False, with_last_bias=True, with_avg_pool=False,
            norm_cfg=dict(type='BN1d'))


def test_projector_keys_and_per_frame_bn():
    head = MODELS.build(dict(type='FrameContrastHead', projector=PROJ))
    keys = {k.split('.')[1] for k in head.state_dict()}
    assert keys == {'fc0', 'bn0', 'fc1', 'bn1', 'fc2'}
    # BN statistics per frame: frame 1 is frame 0 shifted by a constant,
    # which per-frame BN removes after fc0 -> identical projections.
    f0 = torch.randn(6, 8)
    z = head([f0, f0 + 5.])
    assert z.shape == (6, 2, 4)
    torch.testing.assert_close(z[:, 0], z[:, 1], atol=1e-4, rtol=1e-4)
    assert torch.isfinite(head.loss([f0, torch.randn(6, 8)]))


def test_simsiam_needs_predictor():
    with pytest.raises(ValueError, match='predictor'):
        MODELS.build(dict(type='FrameContrastHead', projector=PROJ,
                          loss=dict(type='SimSiamLoss')))
