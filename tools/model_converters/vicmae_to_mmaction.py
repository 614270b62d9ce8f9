# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Encoder weights of a ViC-MAE checkpoint for mmaction2 (Kinetics-400).

Routes:

- ``--route frame``: ``Recognizer2D`` + ``mmpretrain.VisionTransformer``
  per frame, temporal averaging. Keys unchanged; exact transfer.
- ``--route spacetime``: ``Recognizer3D`` with joint space-time attention.
  The patch-embedding kernel is inflated to Conv3d (split evenly over
  ``--tubelet-size`` frames, default 2 as mmaction's VideoMAE configs),
  the spatial position embedding is repeated over the
  ``num_frames / tubelet`` time steps, qkv bias is split into
  ``q_bias``/``v_bias`` (exact). Two targets: mmaction's
  ``VisionTransformer`` (default; CLS token dropped, final norm ->
  ``fc_norm``: approximate) or, with ``--cls-token``, ``ClsTokenVideoViT``
  (CLS token and final norm kept: exact for one temporal step). Details
  in ``vicmae_mm/converters/to_mmaction.py``.

``--config CONFIG`` reads the route and layout (frames, tubelet, CLS token,
image size) from a config's backbone instead, and refuses unless every
backbone tensor loads into it. What was renamed, dropped or reshaped is
printed. Output: ``{'state_dict': {'backbone.*': ...}, 'meta': {...}}`` for
``load_from`` or ``init_cfg=dict(type='Pretrained', prefix='backbone.')``.

Example::

    python tools/model_converters/vicmae_to_mmaction.py epoch_800.pth \
        vit-b_k400_st.pth --config \
        configs/finetune/vicmae_vit-base-p16_spacetime-16x4x1-50e_k400.py
"""
import argparse
from functools import partial

from vicmae_mm.converters import convert_file, vicmae_to_mmaction

LAYOUT = ('route', 'img_size', 'num_frames', 'tubelet_size', 'cls_token')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='ViC-MAE checkpoint (full or encoder)')
    parser.add_argument('dst', help='output file')
    parser.add_argument('--config', help='target config (layout + check)')
    parser.add_argument('--route',
                        choices=['frame', 'spacetime'],
                        help='default frame')
    parser.add_argument('--arch', choices=['s', 'b', 'l', 'h'])
    parser.add_argument('--img-size', type=int)
    parser.add_argument('--num-frames', type=int, help='default 16')
    parser.add_argument('--tubelet-size', type=int, help='default 2')
    parser.add_argument('--cls-token',
                        action='store_true',
                        default=None,
                        help='spacetime target ClsTokenVideoViT')
    args = parser.parse_args(argv)
    given = [k for k in LAYOUT if getattr(args, k) is not None]
    if args.config and given:
        parser.error(f'--config decides the layout: drop --{given[0]}')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    convert = partial(vicmae_to_mmaction,
                      route=args.route or 'frame',
                      arch=args.arch,
                      img_size=args.img_size,
                      num_frames=args.num_frames or 16,
                      tubelet_size=args.tubelet_size or 2,
                      cls_token=bool(args.cls_token),
                      progress=True)
    try:
        convert_file(args.src, args.dst, convert, args.config, args.arch)
    except ValueError as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
