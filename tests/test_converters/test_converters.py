# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Exact weight transfer: ViC-MAE -> mmpretrain / mmaction2, authors' format."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.registry import init_default_scope

import vicmae_mm  # noqa: F401
from vicmae_mm.converters import (check_arch, describe_vit,
                                  load_state_dict_file, official_to_vicmae,
                                  save_converted, vicmae_to_mmaction,
                                  vicmae_to_mmpretrain, vicmae_to_official)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
HEAD_KEYS = ['head.fc.bias', 'head.fc.weight']


def tiny_vicmae():
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    model = MODELS.build(dict(
        type='ViCMAE',
        backbone=dict(type='VicMAEViT', arch=ARCH, img_size=32, patch_size=8),
        neck=dict(type='TokenPoolNeck', mode='mean'),
        recon_head=dict(
            type='MAEReconHead', patch_size=8,
            decoder=dict(type='MAEPretrainDecoder', num_patches=16,
                         patch_size=8, embed_dim=32, decoder_embed_dim=16,
                         decoder_depth=1, decoder_num_heads=2)),
        contrast_head=dict(
            type='FrameContrastHead',
            projector=dict(type='NonLinearNeck', in_channels=32,
                           hid_channels=64, out_channels=16, num_layers=3,
                           with_bias=True, with_last_bias=True,
                           with_last_bn=False, with_avg_pool=False,
                           norm_cfg=dict(type='BN1d')))))
    model.init_weights()
    torch.manual_seed(0)
    with torch.no_grad():  # random values everywhere, LN included
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


@pytest.fixture(scope='module')
def source(tmp_path_factory):
    model = tiny_vicmae()
    path = str(tmp_path_factory.mktemp('ckpt') / 'vicmae.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), path)
    return model, path


def missing_unexpected(model, state_dict):
    res = model.load_state_dict(state_dict, strict=False)
    return sorted(res.missing_keys), sorted(res.unexpected_keys)


def test_mmpretrain_exact(source):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    src, path = source
    sd, meta = vicmae_to_mmpretrain(load_state_dict_file(path), arch=None)
    assert meta['img_size'] == 32 and meta['embed_dims'] == 32
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        tokens = src.backbone(x, mask=None)[0]  # (B, 1 + L, C)
        pooled = src.extract_feat(x)[0]  # mean of patch tokens after LN
    for out_type, neck, ref in (('cls_token', None, tokens[:, 0]),
                                ('featmap', dict(type='GlobalAveragePooling'),
                                 pooled)):
        clf = MODELS.build(dict(
            type='ImageClassifier', neck=neck,
            backbone=dict(type='VisionTransformer', arch=ARCH, img_size=32,
                          patch_size=8, out_type=out_type),
            head=dict(type='LinearClsHead', num_classes=4, in_channels=32)))
        assert missing_unexpected(clf, sd) == (HEAD_KEYS, [])
        clf.eval()
        with torch.no_grad():
            feat = clf.extract_feat(x)[-1]
        torch.testing.assert_close(feat, ref, rtol=0, atol=1e-5)


def test_full_checkpoint_loads_with_prefix(source):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    src, path = source
    vit = MODELS.build(dict(
        type='VisionTransformer', arch=ARCH, img_size=32, patch_size=8,
        out_type='raw', init_cfg=dict(type='Pretrained', checkpoint=path,
                                      prefix='backbone.')))
    vit.init_weights()
    vit.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(vit(x)[0], src.backbone(x, mask=None)[0])


def test_pos_embed_resize_and_arch_check(source):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    _, path = source
    sd, meta = vicmae_to_mmpretrain(load_state_dict_file(path), img_size=48)
    assert meta['img_size'] == 48
    assert sd['backbone.pos_embed'].shape == (1, 1 + 36, 32)
    clf = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='VisionTransformer', arch=ARCH, img_size=48,
                      patch_size=8),
        head=dict(type='LinearClsHead', num_classes=4, in_channels=32)))
    assert missing_unexpected(clf, sd) == (HEAD_KEYS, [])
    with pytest.raises(ValueError, match='multiple of the patch size'):
        vicmae_to_mmpretrain(load_state_dict_file(path), img_size=50)
    # a ViT-L/16-shaped encoder (only the shapes the detection reads)
    large = {'pos_embed': torch.zeros(1, 197, 1024),
             'patch_embed.projection.weight': torch.zeros(1024, 3, 16, 16)}
    large.update({f'layers.{i}.ln1.weight': torch.zeros(1)
                  for i in range(24)})
    assert describe_vit(large)['arch'] == 'l'
    with pytest.raises(ValueError, match=r'looks like ViT-L/16 \(1024 dims, '
                       r'24 layers\) but --arch b was asked'):
        check_arch(large, 'b')
    with pytest.raises(ValueError, match='custom ViT/8'):
        vicmae_to_mmpretrain(load_state_dict_file(path), arch='b')


def test_bad_files(tmp_path):
    text = tmp_path / 'notes.txt'
    text.write_text('not a checkpoint')
    with pytest.raises(ValueError, match='not a loadable PyTorch checkpoint'):
        load_state_dict_file(str(text))
    lst = tmp_path / 'list.pth'
    torch.save([1, 2], str(lst))
    with pytest.raises(ValueError, match='holds a list'):
        load_state_dict_file(str(lst))
    with pytest.raises(FileNotFoundError):
        load_state_dict_file(str(tmp_path / 'absent.pth'))
    resnet = tmp_path / 'resnet.pth'
    torch.save({'conv1.weight': torch.zeros(2)}, str(resnet))
    with pytest.raises(ValueError, match='no mmpretrain ViT encoder'):
        vicmae_to_mmpretrain(load_state_dict_file(str(resnet)))


def build_recognizer(route, num_frames=2):
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    if route == 'frame':
        cfg = dict(type='ViTRecognizer2D',
                   backbone=dict(type='mmpretrain.VisionTransformer',
                                 arch=ARCH, img_size=32, patch_size=8),
                   cls_head=dict(type='TSNHead', num_classes=4,
                                 in_channels=32, spatial_type=None))
    else:
        cfg = dict(type='ViTRecognizer3D',
                   backbone=dict(type='VisionTransformer', img_size=32,
                                 patch_size=8, embed_dims=32, depth=2,
                                 num_heads=2, mlp_ratio=2,
                                 num_frames=num_frames, tubelet_size=1,
                                 use_learnable_pos_emb=True),
                   cls_head=dict(type='TimeSformerHead', num_classes=4,
                                 in_channels=32))
    return MODELS.build(cfg)


def test_mmaction_route1_exact(source):
    src, path = source
    sd, _ = vicmae_to_mmaction(load_state_dict_file(path), route='frame')
    rec = build_recognizer('frame')
    assert missing_unexpected(rec, sd) == (
        ['cls_head.fc_cls.bias', 'cls_head.fc_cls.weight'], [])
    rec.eval()
    clip = torch.randn(2, 3, 3, 32, 32)  # (B, T, C, H, W) frames
    with torch.no_grad():
        feat, _ = rec.extract_feat(clip, stage='backbone')
        ref = src.backbone(clip.flatten(0, 1), mask=None)[0][:, 0]
    torch.testing.assert_close(feat, ref, rtol=0, atol=1e-5)


def test_mmaction_route2(source):
    from mmpretrain.models import VisionTransformer
    src, path = source
    full = load_state_dict_file(path)
    sd, meta = vicmae_to_mmaction(full, route='spacetime', num_frames=1)
    assert meta['dropped_keys'] == ['cls_token']
    rec = build_recognizer('spacetime', num_frames=1)
    assert missing_unexpected(rec, sd) == (
        ['cls_head.fc_cls.bias', 'cls_head.fc_cls.weight'], [])
    rec.eval()
    # T = 1: equal to the cls-free mmpretrain ViT on the same weights
    ref_vit = VisionTransformer(arch=ARCH, img_size=32, patch_size=8,
                                with_cls_token=False, out_type='avg_featmap',
                                final_norm=False)
    ref_vit.eval()  # BaseBackbone.train() returns None: no chaining
    enc, _ = vicmae_to_mmpretrain(full, out_prefix='')
    enc = {('ln2.' + k[4:] if k.startswith('ln1.') else k): v
           for k, v in enc.items()}
    enc.pop('cls_token')
    assert missing_unexpected(ref_vit, enc) == ([], [])
    img = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        feat = rec.backbone(img[:, :, None])  # (B, C, T=1, H, W)
        torch.testing.assert_close(feat, ref_vit(img)[0], rtol=0, atol=1e-5)
    # T = 4: loads and runs; tubelet 2 embeds a static clip like the image
    sd4, _ = vicmae_to_mmaction(full, route='spacetime', num_frames=4)
    rec4 = build_recognizer('spacetime', num_frames=4)
    assert missing_unexpected(rec4, sd4)[1] == []
    assert sd4['backbone.pos_embed'].shape == (1, 4 * 16, 32)
    rec4.eval()
    assert rec4.backbone(torch.randn(2, 3, 4, 32, 32)).shape == (2, 32)
    sd2, _ = vicmae_to_mmaction(full, route='spacetime', num_frames=4,
                                tubelet_size=2)
    conv3d = torch.nn.Conv3d(3, 32, (2, 8, 8), (2, 8, 8))
    conv3d.weight.data = sd2['backbone.patch_embed.projection.weight']
    conv3d.bias.data = sd2['backbone.patch_embed.projection.bias']
    static = img[:, :, None].repeat(1, 1, 2, 1, 1)
    with torch.no_grad():
        torch.testing.assert_close(
            conv3d(static)[:, :, 0], src.backbone.patch_embed.projection(img),
            rtol=0, atol=1e-5)


def official_state_dict(depth=2, dec_depth=1, dim=32, dec=16, hid=64,
                        out=16, patch=8, tokens=17):
    """An authors'-layout state dict built from the documented key list."""
    def block(prefix, c, r):
        return {f'{prefix}.norm1.weight': (c, ), f'{prefix}.norm1.bias': (c, ),
                f'{prefix}.attn.qkv.weight': (3 * c, c),
                f'{prefix}.attn.qkv.bias': (3 * c, ),
                f'{prefix}.attn.proj.weight': (c, c),
                f'{prefix}.attn.proj.bias': (c, ),
                f'{prefix}.norm2.weight': (c, ), f'{prefix}.norm2.bias': (c, ),
                f'{prefix}.mlp.fc1.weight': (r * c, c),
                f'{prefix}.mlp.fc1.bias': (r * c, ),
                f'{prefix}.mlp.fc2.weight': (c, r * c),
                f'{prefix}.mlp.fc2.bias': (c, )}

    def bn(prefix, c):
        return {f'{prefix}.{n}': (c, ) for n in
                ('weight', 'bias', 'running_mean', 'running_var')}

    shapes = {'cls_token': (1, 1, dim), 'pos_embed': (1, tokens, dim),
              'mask_token': (1, 1, dec),
              'decoder_pos_embed': (1, tokens, dec),
              'patch_embed.proj.weight': (dim, 3, patch, patch),
              'patch_embed.proj.bias': (dim, ), 'norm.weight': (dim, ),
              'norm.bias': (dim, ), 'decoder_embed.weight': (dec, dim),
              'decoder_embed.bias': (dec, ), 'decoder_norm.weight': (dec, ),
              'decoder_norm.bias': (dec, ),
              'decoder_pred.weight': (patch * patch * 3, dec),
              'decoder_pred.bias': (patch * patch * 3, ),
              'projector.0.weight': (hid, dim), 'projector.0.bias': (hid, ),
              'projector.3.weight': (hid, hid), 'projector.3.bias': (hid, ),
              'projector.6.weight': (out, hid), 'projector.6.bias': (out, )}
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


def test_official_round_trip(tmp_path):
    official = official_state_dict()
    converted, unknown, missing = official_to_vicmae(official)
    assert unknown == [] and missing == []
    model = tiny_vicmae()
    assert missing_unexpected(model, converted) == ([], [])
    back, unknown, missing = vicmae_to_official(converted)
    assert unknown == [] and missing == []
    assert sorted(back) == sorted(official)
    for k, v in official.items():
        assert torch.equal(back[k], v), k
    # unknown and missing keys are reported, not dropped silently
    broken = dict(official, **{'head.weight': torch.zeros(1)})
    del broken['blocks.1.mlp.fc2.bias']
    _, unknown, missing = official_to_vicmae(broken)
    assert unknown == ['head.weight']
    assert missing == ['blocks.1.mlp.fc2.bias']


def test_official_cli(tmp_path):
    src = str(tmp_path / 'official.pth')
    torch.save(dict(model=official_state_dict(), epoch=3), src)
    dst = str(tmp_path / 'vicmae.pth')
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run(
        [sys.executable, 'tools/model_converters/official_to_vicmae.py', src,
         dst, '--format', 'full'], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    ckpt = torch.load(dst, weights_only=True)
    assert ckpt['meta']['unknown_keys'] == []
    model = tiny_vicmae()
    assert missing_unexpected(model, ckpt['state_dict']) == ([], [])
    # the other two CLIs, in-process
    import runpy
    for tool, extra in (('vicmae_to_mmpretrain', []),
                        ('vicmae_to_mmaction', ['--route', 'spacetime',
                                                '--num-frames', '2'])):
        out = str(tmp_path / f'{tool}.pth')
        sys.argv = [tool, dst, out, *extra]
        runpy.run_path(osp.join(ROOT, 'tools/model_converters', tool + '.py'),
                       run_name='__main__')
        sd = torch.load(out, weights_only=True)['state_dict']
        assert all(k.startswith('backbone.') for k in sd)
    with pytest.raises(ValueError, match='looks like a custom ViT'):
        save_converted(*vicmae_to_mmpretrain(ckpt['state_dict'], arch='l'),
                       str(tmp_path / 'never.pth'))
