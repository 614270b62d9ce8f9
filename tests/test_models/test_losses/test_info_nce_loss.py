# Copyright (c) vicmae_mm contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def _nt_xent(z1, z2, tau):
    """SimCLR NT-Xent written independently: 2B x 2B similarities, diagonal
    removed, the other view is the target class."""
    B = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2B, D)
    sim = z @ z.t() / tau
    keep = ~torch.eye(2 * B, dtype=torch.bool)
    sim = sim[keep].view(2 * B, 2 * B - 1)
    # positive of i < B is i + B (shifted left by the removed diagonal)
    labels = torch.cat([torch.arange(B) + B - 1, torch.arange(B)])
    return F.cross_entropy(sim, labels)


def _supcon_out(z, tau):
    """Per-anchor loop: mean over positives of -log p(pos | all others)."""
    B, T, _ = z.shape
    flat = F.normalize(z, dim=-1).reshape(B * T, -1)
    terms = []
    for i in range(B * T):
        others = [j for j in range(B * T) if j != i]
        logits = flat[i] @ flat[others].t() / tau
        logp = logits.log_softmax(0)
        pos = [k for k, j in enumerate(others) if j // T == i // T]
        terms.append(-logp[pos].mean())
    return torch.stack(terms).mean()


@pytest.mark.parametrize('tau', [0.1, 0.5])
def test_equals_nt_xent_for_two_frames(tau):
    torch.manual_seed(0)
    z1, z2 = torch.randn(5, 7), torch.randn(5, 7)
    loss = MODELS.build(dict(type='InfoNCELoss', temperature=tau))
    torch.testing.assert_close(
        loss(torch.stack([z1, z2], dim=1)), _nt_xent(z1, z2, tau))


def test_more_frames_supcon_form():
    torch.manual_seed(1)
    z = torch.randn(4, 3, 6, requires_grad=True)
    out = MODELS.build(dict(type='InfoNCELoss'))(z)
    torch.testing.assert_close(out, _supcon_out(z, 0.1))
    out.backward()
    assert torch.isfinite(z.grad).all()


def test_bad_args():
    with pytest.raises(ValueError, match='T >= 2'):
        MODELS.build(dict(type='InfoNCELoss'))(torch.randn(4, 1, 3))
    with pytest.raises(ValueError, match='temperature'):
        MODELS.build(dict(type='InfoNCELoss', temperature=0))
