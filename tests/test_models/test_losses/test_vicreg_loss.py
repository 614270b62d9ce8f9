# Copyright (c) vicmae_mm contributors. All rights reserved.
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def _official(x, y, eps=1e-4):
    """VICReg for two branches, written after the paper's pseudo-code."""
    n, d = x.shape
    inv = F.mse_loss(x, y)
    x, y = x - x.mean(0), y - y.mean(0)
    std_x, std_y = (x.var(0) + eps).sqrt(), (y.var(0) + eps).sqrt()
    var = F.relu(1 - std_x).mean() / 2 + F.relu(1 - std_y).mean() / 2
    cov_x, cov_y = x.t() @ x / (n - 1), y.t() @ y / (n - 1)
    off = ~torch.eye(d, dtype=torch.bool)
    cov = cov_x[off].pow(2).sum() / d + cov_y[off].pow(2).sum() / d
    return 25 * inv + 25 * var + 1 * cov


def test_matches_reference_for_two_frames():
    torch.manual_seed(0)
    x, y = torch.randn(16, 8) * 0.5, torch.randn(16, 8)
    out = MODELS.build(dict(type='VICRegLoss'))(torch.stack([x, y], 1))
    torch.testing.assert_close(out, _official(x, y))


def test_identical_decorrelated_frames_give_zero():
    # unit-variance, decorrelated, identical frames: all three terms ~ 0
    q, _ = torch.linalg.qr(torch.randn(64, 64))
    x = q[:, :4] * 8.  # orthogonal columns, zero-ish mean after centring
    x = x - x.mean(0)
    x = x / x.std(0)
    out = MODELS.build(dict(type='VICRegLoss', cov_weight=0.))(
        torch.stack([x, x, x], 1))
    assert float(out) < 1e-3
