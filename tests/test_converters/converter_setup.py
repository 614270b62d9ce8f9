# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Helpers shared by the converter tests (a tiny ViC-MAE, upstream configs)."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
HEAD_KEYS = ['head.fc.bias', 'head.fc.weight']
CLS_HEAD_KEYS = ['cls_head.fc_cls.bias', 'cls_head.fc_cls.weight']


def tiny_vicmae():
    """A 32-dim, 2-layer ViCMAE (32 px, patch 8) with random LN / tokens."""
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    model = MODELS.build(
        dict(type='ViCMAE',
             backbone=dict(type='VicMAEViT',
                           arch=ARCH,
                           img_size=32,
                           patch_size=8),
             neck=dict(type='TokenPoolNeck', mode='mean'),
             recon_head=dict(type='MAEReconHead',
                             patch_size=8,
                             decoder=dict(type='MAEPretrainDecoder',
                                          num_patches=16,
                                          patch_size=8,
                                          embed_dim=32,
                                          decoder_embed_dim=16,
                                          decoder_depth=1,
                                          decoder_num_heads=2)),
             contrast_head=dict(type='FrameContrastHead',
                                projector=dict(type='NonLinearNeck',
                                               in_channels=32,
                                               hid_channels=64,
                                               out_channels=16,
                                               num_layers=3,
                                               with_bias=True,
                                               with_last_bias=True,
                                               with_last_bn=False,
                                               with_avg_pool=False,
                                               norm_cfg=dict(type='BN1d')))))
    model.init_weights()
    torch.manual_seed(0)
    with torch.no_grad():  # random values everywhere, LN included
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


def missing_unexpected(model, state_dict):
    res = model.load_state_dict(state_dict, strict=False)
    return sorted(res.missing_keys), sorted(res.unexpected_keys)


def encoder_features(model, images):
    """``cls`` (B, C) and ``pooled`` (B, C) features of the ViC-MAE
    encoder: the normalised CLS token and the mean of the normalised patch
    tokens (the pretraining pooling)."""
    with torch.no_grad():
        tokens = model.backbone(images, mask=None)[0]  # (B, 1 + L, C)
    return dict(cls=tokens[:, 0], pooled=tokens[:, 1:].mean(1))


def static_clip_features(backbone, images, frames: int = 2):
    """Output of a video backbone for static clips: every image (B, C, H, W)
    repeated ``frames`` times, (B, C, T, H, W)."""
    with torch.no_grad():
        return backbone(images[:, :, None].repeat(1, 1, frames, 1, 1))


def cls_free_reference(full: dict):
    """mmpretrain's CLS-free ViT (``avg_featmap``, ``ln2`` = the final
    norm) with the encoder of ``full``: what mmaction's ViT computes for
    one temporal step."""
    from mmpretrain.models import VisionTransformer

    from vicmae_mm.converters import vicmae_to_mmpretrain
    vit = VisionTransformer(arch=ARCH,
                            img_size=32,
                            patch_size=8,
                            with_cls_token=False,
                            out_type='avg_featmap',
                            final_norm=False)
    vit.eval()  # BaseBackbone.train() returns None: no chaining
    enc, _ = vicmae_to_mmpretrain(full, out_prefix='', final_norm='ln2')
    enc.pop('cls_token')  # pos_embed's CLS entry: dropped by the load hook
    res = vit.load_state_dict(enc, strict=False)
    assert not res.missing_keys and not res.unexpected_keys
    return vit


def package_config(package: str, relpath: str) -> Config:
    """A config file shipped inside an installed package (``.mim``)."""
    import importlib
    pkg_dir = osp.dirname(importlib.import_module(package).__file__)
    path = osp.join(pkg_dir, '.mim', 'configs', relpath)
    assert osp.isfile(path), f'{package} does not ship {relpath}'
    return Config.fromfile(path)


def official_state_dict(depth=2,
                        dec_depth=1,
                        dim=32,
                        dec=16,
                        hid=64,
                        out=16,
                        patch=8,
                        tokens=17):
    """An authors'-layout state dict built from the documented key list."""

    def block(prefix, c, r):
        return {
            f'{prefix}.norm1.weight': (c, ),
            f'{prefix}.norm1.bias': (c, ),
            f'{prefix}.attn.qkv.weight': (3 * c, c),
            f'{prefix}.attn.qkv.bias': (3 * c, ),
            f'{prefix}.attn.proj.weight': (c, c),
            f'{prefix}.attn.proj.bias': (c, ),
            f'{prefix}.norm2.weight': (c, ),
            f'{prefix}.norm2.bias': (c, ),
            f'{prefix}.mlp.fc1.weight': (r * c, c),
            f'{prefix}.mlp.fc1.bias': (r * c, ),
            f'{prefix}.mlp.fc2.weight': (c, r * c),
            f'{prefix}.mlp.fc2.bias': (c, )
        }

    def bn(prefix, c):
        return {
            f'{prefix}.{n}': (c, )
            for n in ('weight', 'bias', 'running_mean', 'running_var')
        }

    shapes = {
        'cls_token': (1, 1, dim),
        'pos_embed': (1, tokens, dim),
        'mask_token': (1, 1, dec),
        'decoder_pos_embed': (1, tokens, dec),
        'patch_embed.proj.weight': (dim, 3, patch, patch),
        'patch_embed.proj.bias': (dim, ),
        'norm.weight': (dim, ),
        'norm.bias': (dim, ),
        'decoder_embed.weight': (dec, dim),
        'decoder_embed.bias': (dec, ),
        'decoder_norm.weight': (dec, ),
        'decoder_norm.bias': (dec, ),
        'decoder_pred.weight': (patch * patch * 3, dec),
        'decoder_pred.bias': (patch * patch * 3, ),
        'projector.0.weight': (hid, dim),
        'projector.0.bias': (hid, ),
        'projector.3.weight': (hid, hid),
        'projector.3.bias': (hid, ),
        'projector.6.weight': (out, hid),
        'projector.6.bias': (out, )
    }
    for i in range(depth):
        shapes.update(block(f'blocks.{i}', dim, 2))  # ffn 64
    for i in range(dec_depth):
        shapes.update(block(f'decoder_blocks.{i}', dec, 4))
    shapes.update(bn('projector.1', hid))
    shapes.update(bn('projector.4', hid))
    sd = {k: torch.randn(s) for k, s in shapes.items()}
    sd['projector.1.num_batches_tracked'] = torch.tensor(3)
    sd['projector.4.num_batches_tracked'] = torch.tensor(3)
    return sd
