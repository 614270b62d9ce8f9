# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ClsTokenVideoViT: mmaction's VideoMAE ViT plus a CLS token and norm."""
import pytest
import torch
from mmengine.registry import init_default_scope

from vicmae_mm.models import ClsTokenVideoViT

TINY = dict(img_size=32,
            patch_size=8,
            embed_dims=32,
            depth=2,
            num_heads=2,
            mlp_ratio=2,
            num_frames=4)


@pytest.mark.parametrize('out_type,shape', [('avg_featmap', (2, 32)),
                                            ('cls_token', (2, 32)),
                                            ('featmap', (2, 32, 2, 4, 4))])
def test_outputs_and_gradients(out_type, shape):
    torch.manual_seed(0)
    vit = ClsTokenVideoViT(out_type=out_type, **TINY)  # tubelet 2
    assert vit.patch_embed.projection.weight.shape == (32, 3, 2, 8, 8)
    assert vit.pos_embed.shape == (1, 2 * 16, 32)  # no CLS entry
    out = vit(torch.randn(2, 3, 4, 32, 32))
    assert out.shape == shape and out.dtype == torch.float32
    # not out.sum(): a LayerNorm output (weight 1, bias 0) sums to 0
    torch.manual_seed(0)
    (out * torch.randn_like(out)).sum().backward()
    assert vit.cls_token.grad is not None and vit.cls_token.grad.abs().sum()
    assert vit.patch_embed.projection.weight.grad.abs().sum() > 0


def test_pooling_definitions():
    """cls_token / avg_featmap / featmap are views of the same normalised
    tokens; the CLS token changes every output (it takes part in
    attention)."""
    torch.manual_seed(0)
    vit = ClsTokenVideoViT(**TINY).eval()
    x = torch.randn(2, 3, 4, 32, 32)
    with torch.no_grad():
        pooled = vit(x)
        vit.out_type = 'featmap'
        fmap = vit(x)  # (B, C, T', h, w)
        torch.testing.assert_close(pooled, fmap.mean((2, 3, 4)))
        vit.cls_token.add_(1.0)
        assert not torch.allclose(fmap, vit(x))


def test_other_input_size_resizes_pos_embed():
    vit = ClsTokenVideoViT(use_learnable_pos_emb=True, **TINY).eval()
    with torch.no_grad():
        assert vit(torch.randn(1, 3, 4, 48, 48)).shape == (1, 32)
        vit.out_type = 'featmap'
        assert vit(torch.randn(1, 3, 4, 48, 48)).shape == (1, 32, 2, 6, 6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="out_type must be one of"):
        ClsTokenVideoViT(out_type='raw', **TINY)
    with pytest.raises(ValueError, match='use_mean_pooling is replaced'):
        ClsTokenVideoViT(use_mean_pooling=True, **TINY)


def test_builds_in_mmaction_scope_with_layer_depth():
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    rec = MODELS.build(
        dict(type='ViTRecognizer3D',
             backbone=dict(type='ClsTokenVideoViT', **TINY),
             cls_head=dict(type='TimeSformerHead',
                           num_classes=4,
                           in_channels=32)))
    assert rec.get_layer_depth('backbone.cls_token') == (0, 4)
    assert rec.get_layer_depth('backbone.norm.weight') == (3, 4)
    assert rec.get_layer_depth('backbone.blocks.1.attn.q_bias') == (2, 4)
