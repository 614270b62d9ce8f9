# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Extract the encoder of a ViC-MAE checkpoint for mmpretrain.

The output holds ``{'state_dict': {'backbone.<VisionTransformer key>': ...},
'meta': {...}}`` and loads into ``ImageClassifier`` with ``load_from`` or
into a ``VisionTransformer`` with ``init_cfg=dict(type='Pretrained',
checkpoint=OUT, prefix='backbone.')``. The full pretraining checkpoint also
works with that ``init_cfg`` directly; converting drops the decoder and
projector and can resize the position embedding.

Example::

    python tools/model_converters/vicmae_to_mmpretrain.py \
        work_dirs/vicmae/epoch_800.pth vit-b_in1k_init.pth --arch b
"""
import argparse

from vicmae_mm.converters import (load_state_dict_file, save_converted,
                                  vicmae_to_mmpretrain)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='ViC-MAE checkpoint (full or encoder)')
    parser.add_argument('dst', help='output file')
    parser.add_argument('--arch', choices=['s', 'b', 'l', 'h'],
                        help='expected ViT size (checked)')
    parser.add_argument('--img-size', type=int,
                        help='resize the position embedding for this size')
    parser.add_argument('--no-prefix', action='store_true',
                        help="write bare keys instead of 'backbone.*'")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    sd = load_state_dict_file(args.src)
    out, meta = vicmae_to_mmpretrain(
        sd, args.arch, args.img_size,
        out_prefix='' if args.no_prefix else 'backbone.')
    meta['source'] = args.src
    save_converted(out, meta, args.dst)
    print(f'wrote {len(out)} tensors ({meta["arch"] or "custom"} ViT, '
          f'img_size {meta["img_size"]}) to {args.dst}')


if __name__ == '__main__':
    main()
