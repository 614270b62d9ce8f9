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


@pytest.mark.parametrize('norm', ['BN1d', None])  # None: LinearNeck
def test_batched_projector_equals_per_frame_calls(norm):
    """One Linear call for all frames, BN per frame: the same function (and
    the same running statistics) as calling the projector once per frame."""
    import copy
    from vicmae_mm.models.heads.frame_contrast_head import project_frames
    cfg = dict(PROJ, with_last_bn=True)
    if norm is None:  # a projector that is not a NonLinearNeck
        cfg = dict(type='LinearNeck', in_channels=8, out_channels=4)
    net = MODELS.build(cfg).train()
    ref = copy.deepcopy(net)
    feats = [torch.randn(5, 8) + t for t in range(3)]  # T = 3 frames
    x = torch.cat(feats).requires_grad_(True)
    z = project_frames(net, x, 3)
    z_ref = torch.cat([ref((f, ))[0] for f in feats])
    torch.testing.assert_close(z, z_ref)
    for (name, buf), buf_ref in zip(net.named_buffers(), ref.buffers()):
        torch.testing.assert_close(buf, buf_ref, msg=name)
    z.pow(2).sum().backward()
    z_ref.pow(2).sum().backward()
    for (name, p), p_ref in zip(net.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p.grad, p_ref.grad, msg=name)
    # (T, B, C) input == list input
    head = MODELS.build(dict(type='FrameContrastHead', projector=PROJ))
    head.eval()
    torch.testing.assert_close(head(torch.stack(feats)), head(feats))


def test_simsiam_needs_predictor():
    with pytest.raises(ValueError, match='predictor'):
        MODELS.build(dict(type='FrameContrastHead', projector=PROJ,
                          loss=dict(type='SimSiamLoss')))
