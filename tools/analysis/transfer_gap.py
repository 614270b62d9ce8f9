# Copyright (c) vicmae_mm contributors. All rights reserved.
"""How far each converted target's feature is from the ViC-MAE encoder's.

For one image (one temporal step for the video targets: a static clip of
``tubelet_size`` frames) compares the feature each fine-tuning target
computes from the converted weights with the encoder's own features
(``cls``: the normalised CLS token; ``pooled``: the mean of the normalised
patch tokens, ViC-MAE's pooling). Targets:

- mmpretrain ``VisionTransformer`` ``final_norm=True`` (``--final-norm
  ln1``), CLS token and mean-pooled (``featmap`` + GAP);
- mmpretrain ``final_norm=False, out_type='avg_featmap'`` (MAE fine-tune
  benchmarks; ``--final-norm ln2``);
- mmaction ``VisionTransformer`` (VideoMAE configs; CLS token dropped);
- ``ClsTokenVideoViT`` (``--cls-token``), ``avg_featmap`` and
  ``cls_token``.

Without ``--checkpoint`` the encoder is random (``init_weights`` plus
Gaussian noise of ``--perturb`` on every parameter, so LayerNorms and the
CLS token are not at their trivial initial values): the numbers then show
which targets are exact, not the size of the gap for trained weights.

Example::

    python tools/analysis/transfer_gap.py --arch tiny
    python tools/analysis/transfer_gap.py --checkpoint epoch_800.pth
"""
import argparse

import torch

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
HEADS = dict(s=6, b=12, l=16, h=16)


def source_encoder(args):
    """(VicMAEViT in eval mode, full state dict, img_size, patch_size)."""
    from mmpretrain.registry import MODELS

    from vicmae_mm.converters import (describe_vit, encoder_state_dict,
                                      load_state_dict_file)
    if args.checkpoint:
        full = load_state_dict_file(args.checkpoint)
        info = describe_vit(encoder_state_dict(full))
        arch = dict(embed_dims=info['embed_dims'],
                    num_layers=info['num_layers'],
                    num_heads=args.num_heads or HEADS[info['arch']],
                    feedforward_channels=4 * info['embed_dims'])
        patch, img = info['patch_size'], info['grid'] * info['patch_size']
    else:
        arch = TINY if args.arch == 'tiny' else args.arch
        patch, img = (8, 32) if args.arch == 'tiny' else (16, 224)
    enc = MODELS.build(
        dict(type='VicMAEViT', arch=arch, img_size=img, patch_size=patch))
    if args.checkpoint:
        enc.load_state_dict(encoder_state_dict(full))
    else:
        from mmengine.logging import MMLogger
        MMLogger.get_instance('transfer_gap', log_level='WARNING')
        enc.init_weights()  # quiet: its per-parameter log is INFO
        torch.manual_seed(args.seed)
        with torch.no_grad():
            for p in enc.parameters():
                p.add_(torch.randn_like(p) * args.perturb)
        full = {'backbone.' + k: v for k, v in enc.state_dict().items()}
    return enc.eval(), full, img, patch


def targets(enc, img: int, patch: int):
    """name -> (converter kwargs, backbone cfg, scope, feature, reference)."""
    mmpre = dict(
        type='VisionTransformer',
        img_size=img,
        patch_size=patch,
        arch=dict(
            embed_dims=enc.embed_dims,
            num_layers=enc.num_layers,
            num_heads=enc.layers[0].attn.num_heads,
            feedforward_channels=enc.layers[0].ffn.layers[0][0].out_features))
    video = dict(img_size=img,
                 patch_size=patch,
                 embed_dims=enc.embed_dims,
                 depth=enc.num_layers,
                 num_heads=mmpre['arch']['num_heads'],
                 mlp_ratio=mmpre['arch']['feedforward_channels'] /
                 enc.embed_dims,
                 num_frames=2,
                 tubelet_size=2)
    st = dict(route='spacetime', num_frames=2, tubelet_size=2)
    return {
        'mmpretrain ln1 cls_token':
        (dict(route='frame'), dict(mmpre,
                                   out_type='cls_token'), 'mmpretrain', 'cls'),
        'mmpretrain ln1 featmap+GAP':
        (dict(route='frame'), dict(mmpre, out_type='featmap'), 'mmpretrain',
         'pooled'),
        'mmpretrain ln2 avg_featmap (MAE ft)': (dict(route='frame',
                                                     final_norm='ln2'),
                                                dict(mmpre,
                                                     final_norm=False,
                                                     out_type='avg_featmap'),
                                                'mmpretrain', 'pooled'),
        'mmaction VisionTransformer (no CLS)':
        (st, dict(video, type='VisionTransformer'), 'mmaction', 'pooled'),
        'ClsTokenVideoViT avg_featmap': (dict(st, cls_token=True),
                                         dict(video, type='ClsTokenVideoViT'),
                                         'mmaction', 'pooled'),
        'ClsTokenVideoViT cls_token': (dict(st, cls_token=True),
                                       dict(video,
                                            type='ClsTokenVideoViT',
                                            out_type='cls_token'), 'mmaction',
                                       'cls'),
    }


def measure(args) -> list:
    """Rows ``(target, reference, max |diff|, ||diff|| / ||ref||)``."""
    import importlib

    from mmengine.registry import DefaultScope, init_default_scope

    from vicmae_mm.converters import vicmae_to_mmaction
    init_default_scope('mmpretrain')
    enc, full, img, patch = source_encoder(args)
    torch.manual_seed(args.seed + 1)
    x = torch.randn(args.batch, 3, img, img)
    with torch.no_grad():
        tokens = enc(x, mask=None)[0]  # (B, 1 + L, C) after the final norm
    refs = dict(cls=tokens[:, 0], pooled=tokens[:, 1:].mean(1))
    rows = []
    for name, (kw, cfg, scope, ref) in targets(enc, img, patch).items():
        sd, _ = vicmae_to_mmaction(full, **kw)
        registry = importlib.import_module(f'{scope}.registry').MODELS
        with DefaultScope.overwrite_default_scope(scope):
            model = registry.build(cfg)
        res = model.load_state_dict({
            k[9:]: v
            for k, v in sd.items()
        },
                                    strict=False)
        assert not res.unexpected_keys, res.unexpected_keys
        model.eval()
        inp = x if scope == 'mmpretrain' else x[:, :, None].repeat(
            1, 1, 2, 1, 1)  # (B, C, T=2, H, W) static: one tubelet
        with torch.no_grad():
            feat = model(inp)
        feat = feat[-1] if isinstance(feat, tuple) else feat
        if feat.dim() == 4:  # featmap (B, C, h, w) -> GAP
            feat = feat.mean((2, 3))
        diff = (feat - refs[ref]).abs()
        rows.append((name, ref, diff.max().item(),
                     (diff.norm() / refs[ref].norm()).item()))
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--checkpoint',
                        help='ViC-MAE checkpoint (default: '
                        'a random encoder)')
    parser.add_argument('--arch',
                        default='tiny',
                        choices=['tiny', 's', 'b', 'l'])
    parser.add_argument('--num-heads',
                        type=int,
                        help='heads of a custom-size checkpoint')
    parser.add_argument('--perturb', type=float, default=0.1)
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> list:
    args = parse_args(argv)
    import vicmae_mm  # noqa: F401
    rows = measure(args)
    src = args.checkpoint or (f'random {args.arch} (perturb {args.perturb})')
    print(f'encoder: {src}; one image / one tubelet of 2 static frames, '
          f'batch {args.batch}, seed {args.seed}')
    print(f'| {"target":38s} | ref    | max abs diff | rel. L2 diff |')
    print(f'|{"-" * 40}|--------|--------------|--------------|')
    for name, ref, mx, rel in rows:
        print(f'| {name:38s} | {ref:6s} | {mx:12.3e} | {rel:12.3e} |')
    return rows


if __name__ == '__main__':
    main()
