# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Encoder weights of a ViC-MAE checkpoint for mmaction2 (Kinetics-400).

Routes:

- ``--route frame``: ``Recognizer2D`` + ``mmpretrain.VisionTransformer``
  per frame, temporal averaging. Keys unchanged; exact transfer.
- ``--route spacetime``: ``Recognizer3D`` + mmaction's VideoMAE-style
  ``VisionTransformer`` (joint space-time attention). The patch-embedding
  kernel is inflated to Conv3d (split evenly over ``--tubelet-size``
  frames), the spatial position embedding (cls entry dropped) is repeated
  over the ``num_frames / tubelet`` time steps for a learnable
  ``pos_embed`` (``use_learnable_pos_emb=True``), qkv bias is split into
  ``q_bias``/``v_bias`` (exact), the final norm initialises ``fc_norm`` and
  the cls token is dropped (the one approximation). Details in
  ``vicmae_mm/converters/to_mmaction.py``.

Output: ``{'state_dict': {'backbone.*': ...}, 'meta': {...}}`` for
``load_from`` or ``init_cfg=dict(type='Pretrained', prefix='backbone.')``.

Example::

    python tools/model_converters/vicmae_to_mmaction.py epoch_800.pth \
        vit-b_k400_st.pth --route spacetime --num-frames 16
"""
import argparse

from vicmae_mm.converters import (load_state_dict_file, save_converted,
                                  vicmae_to_mmaction)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='ViC-MAE checkpoint (full or encoder)')
    parser.add_argument('dst', help='output file')
    parser.add_argument('--route', choices=['frame', 'spacetime'],
                        default='frame')
    parser.add_argument('--arch', choices=['s', 'b', 'l', 'h'])
    parser.add_argument('--img-size', type=int)
    parser.add_argument('--num-frames', type=int, default=16)
    parser.add_argument('--tubelet-size', type=int, default=1)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    sd = load_state_dict_file(args.src)
    out, meta = vicmae_to_mmaction(sd, args.route, args.arch, args.img_size,
                                   args.num_frames, args.tubelet_size)
    meta['source'] = args.src
    save_converted(out, meta, args.dst)
    print(f'wrote {len(out)} tensors (route {args.route}) to {args.dst}')
    if meta.get('dropped_keys'):
        print(f'dropped on purpose: {meta["dropped_keys"]}')


if __name__ == '__main__':
    main()
