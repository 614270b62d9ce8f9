# Copyright (c) vicmae_mm contributors. All rights reserved.
import torch
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def _head():
    return MODELS.build(dict(
        type='MAEReconHead', patch_size=8,
        decoder=dict(type='MAEPretrainDecoder', num_patches=16, patch_size=8,
                     embed_dim=32, decoder_embed_dim=16, decoder_depth=1,
                     decoder_num_heads=2)))


def test_keys_and_forward_shape():
    head = _head()
    assert all(k.startswith('decoder.') for k in head.state_dict())
    assert 'decoder.mask_token' in head.state_dict()
    ids_restore = torch.argsort(torch.rand(2, 16), dim=1)
    pred = head(torch.rand(2, 9, 32), ids_restore)
    assert pred.shape == (2, 16, 8 * 8 * 3)


def test_masked_only_normalised_pixel_loss():
    head = _head()
    torch.manual_seed(0)
    img = torch.randn(2, 3, 32, 32)
    mask = (torch.rand(2, 16) < 0.5).float()
    mask[:, 0], mask[:, 1] = 1., 0.
    patches = head.patchify(img)  # (2, 16, 192)
    target = (patches - patches.mean(-1, keepdim=True)) / (
        patches.var(-1, keepdim=True) + 1e-6).sqrt()
    # perfect on masked patches, garbage on visible ones -> 0
    pred = torch.where(mask[..., None].bool(), target,
                       torch.randn_like(target) * 100)
    assert float(head.loss(pred, img, mask)) < 1e-10
    # raw pixels are not the target: normalisation matters
    assert float(head.loss(patches, img, mask)) > 1e-3
    # error on masked patches only, averaged over masked patches
    pred2 = target + 2. * mask[..., None]
    torch.testing.assert_close(head.loss(pred2, img, mask),
                               torch.tensor(4.))
