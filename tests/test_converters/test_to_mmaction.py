# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE -> mmaction2: per-frame route (exact), space-time route with and
without the CLS token."""
import pytest
import torch
from converter_setup import (ARCH, CLS_HEAD_KEYS, cls_free_reference,
                             encoder_features, missing_unexpected,
                             static_clip_features)
from mmengine.registry import init_default_scope

from vicmae_mm.converters import load_state_dict_file, vicmae_to_mmaction

VIDEO_VIT = dict(img_size=32,
                 patch_size=8,
                 embed_dims=32,
                 depth=2,
                 num_heads=2,
                 mlp_ratio=2)


def build_recognizer(route, **backbone):
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    if route == 'frame':
        cfg = dict(type='ViTRecognizer2D',
                   backbone=dict(type='mmpretrain.VisionTransformer',
                                 arch=ARCH,
                                 img_size=32,
                                 patch_size=8),
                   cls_head=dict(type='TSNHead',
                                 num_classes=4,
                                 in_channels=32,
                                 spatial_type=None))
    else:
        cfg = dict(type='ViTRecognizer3D',
                   backbone=dict(VIDEO_VIT, **backbone),
                   cls_head=dict(type='TimeSformerHead',
                                 num_classes=4,
                                 in_channels=32))
    return MODELS.build(cfg).eval()


def test_route1_exact(source):
    src, path = source
    sd, _ = vicmae_to_mmaction(load_state_dict_file(path), route='frame')
    rec = build_recognizer('frame')
    assert missing_unexpected(rec, sd) == (CLS_HEAD_KEYS, [])
    clip = torch.randn(2, 3, 3, 32, 32)  # (B, T, C, H, W) frames
    with torch.no_grad():
        feat, _ = rec.extract_feat(clip, stage='backbone')
    ref = encoder_features(src, clip.flatten(0, 1))['cls']
    torch.testing.assert_close(feat, ref, rtol=0, atol=1e-5)


def test_route2_without_cls_token(source):
    """mmaction's ViT: one frame equals the CLS-free mmpretrain ViT with
    the final norm as ``ln2`` (not the ViC-MAE encoder: the CLS token is
    gone); tubelet 2 (the default) embeds a static clip like the image."""
    src, path = source
    full = load_state_dict_file(path)
    sd, meta = vicmae_to_mmaction(full,
                                  route='spacetime',
                                  num_frames=1,
                                  tubelet_size=1)
    assert meta['dropped'] == ['cls_token']
    assert ('ln1.weight', 'fc_norm.weight') in meta['renamed']
    rec = build_recognizer('spacetime',
                           type='VisionTransformer',
                           num_frames=1,
                           tubelet_size=1)
    assert missing_unexpected(rec, sd) == (CLS_HEAD_KEYS, [])
    ref_vit = cls_free_reference(full)
    img = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        feat = rec.backbone(img[:, :, None])  # (B, C, T=1, H, W)
        torch.testing.assert_close(feat, ref_vit(img)[0], rtol=0, atol=1e-5)
        # and it is not the encoder's pooled feature
        gap = (feat - encoder_features(src, img)['pooled']).abs().max()
    assert gap > 1e-2
    sd2, meta = vicmae_to_mmaction(full, route='spacetime', num_frames=4)
    assert meta['tubelet_size'] == 2
    w = sd2['backbone.patch_embed.projection.weight']
    assert w.shape == (32, 3, 2, 8, 8)
    assert sd2['backbone.pos_embed'].shape == (1, 2 * 16, 32)
    conv3d = torch.nn.Conv3d(3, 32, (2, 8, 8), (2, 8, 8))
    conv3d.load_state_dict(
        dict(weight=w, bias=sd2['backbone.patch_embed.projection.bias']))
    with torch.no_grad():
        torch.testing.assert_close(conv3d(img[:, :,
                                              None].repeat(1, 1, 2, 1,
                                                           1))[:, :, 0],
                                   src.backbone.patch_embed.projection(img),
                                   rtol=0,
                                   atol=1e-5)


@pytest.mark.parametrize('out_type,ref', [('avg_featmap', 'pooled'),
                                          ('cls_token', 'cls')])
def test_route2_with_cls_token_is_exact(source, out_type, ref):
    """ClsTokenVideoViT: one temporal step (a static tubelet of 2 frames)
    gives exactly the encoder's pooled / CLS feature."""
    src, path = source
    sd, meta = vicmae_to_mmaction(load_state_dict_file(path),
                                  route='spacetime',
                                  num_frames=2,
                                  cls_token=True)
    assert meta['dropped'] == [] and 'exact' in meta['notes'][1]
    assert meta['target'].endswith('ClsTokenVideoViT')
    rec = build_recognizer('spacetime',
                           type='ClsTokenVideoViT',
                           num_frames=2,
                           out_type=out_type)
    assert missing_unexpected(rec, sd) == (CLS_HEAD_KEYS, [])
    img = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(static_clip_features(rec.backbone, img),
                               encoder_features(src, img)[ref],
                               rtol=0,
                               atol=1e-5)


def test_route2_errors(source):
    _, path = source
    full = load_state_dict_file(path)
    with pytest.raises(ValueError, match='not a multiple of tubelet_size=2'):
        vicmae_to_mmaction(full, route='spacetime', num_frames=3)
    no_cls = {k: v for k, v in full.items() if k != 'backbone.cls_token'}
    with pytest.raises(ValueError, match='needs a CLS token'):
        vicmae_to_mmaction(no_cls, route='spacetime', cls_token=True)
    with pytest.raises(ValueError, match="route must be 'frame' or"):
        vicmae_to_mmaction(full, route='video')
