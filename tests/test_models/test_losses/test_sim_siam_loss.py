# Copyright (c) vicmae_mm contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def test_symmetric_negative_cosine_with_stop_grad():
    torch.manual_seed(0)
    z = torch.randn(4, 2, 8, requires_grad=True)
    p = torch.randn(4, 2, 8, requires_grad=True)
    out = MODELS.build(dict(type='SimSiamLoss'))(z, p)
    ref = -0.5 * (F.cosine_similarity(p[:, 0], z[:, 1]).mean() +
                  F.cosine_similarity(p[:, 1], z[:, 0]).mean())
    torch.testing.assert_close(out, ref)
    out.backward()
    assert z.grad is None  # stop-gradient on the targets
    assert p.grad.abs().sum() > 0


def test_needs_p():
    with pytest.raises(ValueError, match='predictor'):
        MODELS.build(dict(type='SimSiamLoss'))(torch.randn(2, 2, 3))
