# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Converted checkpoints load cleanly through the configs shipped inside the
installed mmpretrain / mmaction2 (``.mim/configs``, not copies), shrunk to
a 32-dim, 2-layer ViT with ``merge_from_dict``; features are compared where
the architecture allows exactness."""
import pytest
import torch
from converter_setup import (ARCH, CLS_HEAD_KEYS, HEAD_KEYS, ROOT,
                             cls_free_reference, encoder_features,
                             missing_unexpected, package_config,
                             static_clip_features)
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from vicmae_mm.converters import (check_loadable, convert_for_config,
                                  load_state_dict_file, save_converted,
                                  vicmae_to_mmaction)

MAE = 'mae/benchmarks/vit-base-p16_8xb{}_in1k.py'
MAE_FT, MAE_LINEAR = MAE.format('128-coslr-100e'), MAE.format(
    '2048-linear-coslr-90e')
VIDEOMAE = ('recognition/videomae/'
            'vit-base-p16_videomae-k400-pre_16x4x1_kinetics-400.py')
OUR_ST = 'configs/finetune/vicmae_vit-base-p16_spacetime-16x4x1-50e_k400.py'
TINY_VIDEO = {
    'model.backbone.embed_dims': 32,
    'model.backbone.depth': 2,
    'model.backbone.num_heads': 2,
    'model.backbone.mlp_ratio': 2,
    'model.backbone.img_size': 32,
    'model.backbone.patch_size': 8,
    'model.backbone.num_frames': 2,
    'model.cls_head.in_channels': 32,
    'model.cls_head.num_classes': 4
}


def tiny_mmpretrain(relpath):
    cfg = package_config('mmpretrain', relpath)
    cfg.merge_from_dict({
        'model.backbone.arch': dict(_delete_=True, **ARCH),
        'model.backbone.img_size': 32,
        'model.backbone.patch_size': 8,
        'model.head.in_channels': 32,
        'model.head.num_classes': 4
    })
    if cfg.model.get('neck'):  # the linear probe: BN neck, frozen blocks
        cfg.merge_from_dict({
            'model.neck.input_features': 32,
            'model.backbone.frozen_stages': 2
        })
    return cfg


def build(cfg):
    scope = cfg.default_scope
    init_default_scope(scope)
    if scope == 'mmaction':
        from mmaction.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    return MODELS.build(cfg.model)


def load_like_a_user(cfg, sd, path):
    """Save, build the config's model and load the file the way the config
    does (``init_cfg`` Pretrained, else ``load_from``); returns the model
    after asserting that the backbone took every converted tensor."""
    save_converted(sd, dict(), path)
    init_cfg = cfg.model.backbone.get('init_cfg')
    if init_cfg and init_cfg.get('type') == 'Pretrained':
        cfg.model.backbone.init_cfg.checkpoint = path
        model = build(cfg)
        model.init_weights()
    else:
        model = build(cfg)
        load_checkpoint(model, path, map_location='cpu')
    assert check_loadable(sd, model.backbone) == dict(missing=[],
                                                      unexpected=[],
                                                      mismatched=[])
    state = model.state_dict()
    for key, val in sd.items():
        assert torch.equal(state[key], val), f'{key} was not loaded'
    return model.eval()


def test_mae_finetune_config(source, tmp_path):
    """final_norm=False + avg_featmap: the final norm arrives as ln2."""
    src, path = source
    cfg = tiny_mmpretrain(MAE_FT)
    sd, meta = convert_for_config(load_state_dict_file(path), cfg)
    assert meta['layout'] == dict(route='frame', final_norm='ln2')
    assert meta['renamed'] == [('ln1.weight', 'ln2.weight'),
                               ('ln1.bias', 'ln2.bias')]
    model = load_like_a_user(cfg, sd, str(tmp_path / 'ft.pth'))
    assert missing_unexpected(model, sd) == (HEAD_KEYS, [])
    # ln2(mean of un-normalised tokens) with the pretrained final norm
    x = torch.randn(2, 3, 32, 32)
    pre_norm = []
    hook = src.backbone.ln1.register_forward_pre_hook(
        lambda mod, args: pre_norm.append(args[0]))
    encoder_features(src, x)
    hook.remove()
    ln1 = src.backbone.ln1
    ref = torch.nn.functional.layer_norm(pre_norm[0][:, 1:].mean(1), (32, ),
                                         ln1.weight, ln1.bias, ln1.eps)
    with torch.no_grad():
        torch.testing.assert_close(model.extract_feat(x)[0],
                                   ref,
                                   rtol=0,
                                   atol=1e-5)


def test_mae_linear_probe_config(source, tmp_path):
    """final_norm=True + cls_token: keys unchanged, exact CLS feature."""
    src, path = source
    cfg = tiny_mmpretrain(MAE_LINEAR)
    sd, meta = convert_for_config(load_state_dict_file(path), cfg)
    assert meta['layout']['final_norm'] == 'ln1' and meta['renamed'] == []
    model = load_like_a_user(cfg, sd, str(tmp_path / 'linear.pth'))
    assert missing_unexpected(model, sd)[1] == []
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        feat = model.backbone(x)[-1]
    torch.testing.assert_close(feat,
                               encoder_features(src, x)['cls'],
                               rtol=0,
                               atol=1e-5)


def test_videomae_config(source, tmp_path):
    """mmaction's VideoMAE ViT (tubelet 2, fixed sinusoidal buffer): the
    converted spatial sin-cos embedding replaces the buffer on purpose."""
    from mmaction.models.backbones.vit_mae import get_sinusoid_encoding
    src, path = source
    cfg = package_config('mmaction', VIDEOMAE)
    cfg.merge_from_dict(TINY_VIDEO)
    sd, meta = convert_for_config(load_state_dict_file(path), cfg)
    assert meta['layout'] == dict(route='spacetime',
                                  num_frames=2,
                                  tubelet_size=2,
                                  cls_token=False)
    assert any('sinusoidal buffer' in n for n in meta['notes'])
    model = load_like_a_user(cfg, sd, str(tmp_path / 'videomae.pth'))
    assert missing_unexpected(model, sd) == (CLS_HEAD_KEYS, [])
    pos = model.backbone.pos_embed
    assert 'backbone.pos_embed' not in dict(model.named_parameters())
    assert not torch.allclose(pos, get_sinusoid_encoding(16, 32))
    # a static tubelet = the CLS-free image ViT with these weights
    ref_vit = cls_free_reference(load_state_dict_file(path))
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        ref = ref_vit(x)[0]
    torch.testing.assert_close(static_clip_features(model.backbone, x),
                               ref,
                               rtol=0,
                               atol=1e-5)


def test_videomae_config_refuses_mismatch(source):
    _, path = source
    full = load_state_dict_file(path)
    cfg = package_config('mmaction', VIDEOMAE)
    cfg.merge_from_dict(TINY_VIDEO)
    # the old default (tubelet 1) would be skipped by mmengine: caught here
    backbone = build(cfg).backbone
    old, _ = vicmae_to_mmaction(full,
                                'spacetime',
                                num_frames=2,
                                tubelet_size=1)
    res = check_loadable(old, backbone)
    assert [k for k, _, _ in res['mismatched']
            ] == ['patch_embed.projection.weight', 'pos_embed']
    cfg.merge_from_dict({
        'model.backbone.embed_dims': 48,
        'model.cls_head.in_channels': 48
    })
    with pytest.raises(ValueError, match=r'scope mmaction; 48 dims, 2 '
                       r'layers\); the checkpoint holds a custom ViT/8 '
                       r'\(32 dims, 2 layers\): shape mismatch: blocks.0.'
                       r'attn.proj.bias is \(32,\) here, \(48,\) in the '
                       r'model; .* more shape mismatches'):
        convert_for_config(full, cfg)


@pytest.mark.parametrize('out_type,ref', [('avg_featmap', 'pooled'),
                                          ('cls_token', 'cls')])
def test_our_spacetime_config_is_exact(source, tmp_path, out_type, ref):
    """configs/finetune route 2 (ClsTokenVideoViT): one temporal step
    reproduces the encoder's feature exactly."""
    src, path = source
    cfg = Config.fromfile(f'{ROOT}/{OUR_ST}')
    cfg.merge_from_dict(
        dict(
            TINY_VIDEO, **{
                'model.backbone.drop_path_rate': 0.0,
                'model.backbone.out_type': out_type
            }))
    sd, meta = convert_for_config(load_state_dict_file(path), cfg)
    assert meta['layout']['cls_token'] and meta['dropped'] == []
    model = load_like_a_user(cfg, sd, str(tmp_path / 'st.pth'))
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(static_clip_features(model.backbone, x),
                               encoder_features(src, x)[ref],
                               rtol=0,
                               atol=1e-5)
