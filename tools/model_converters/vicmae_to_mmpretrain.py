# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Extract the encoder of a ViC-MAE checkpoint for mmpretrain.

The output holds ``{'state_dict': {'backbone.<VisionTransformer key>': ...},
'meta': {...}}`` for ``load_from`` or ``init_cfg=dict(type='Pretrained',
checkpoint=OUT, prefix='backbone.')``. What was renamed or dropped is
printed. ``--final-norm`` picks the layout of the final norm:

- ``ln1`` (default): ``VisionTransformer(final_norm=True)``: the linear-probe
  benchmarks (``mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k``)
  and ``configs/finetune/``;
- ``ln2``: ``final_norm=False, out_type='avg_featmap'``: mmpretrain's MAE
  fine-tune benchmarks (``mae/benchmarks/vit-base-p16_8xb128-coslr-100e_
  in1k``); the pretrained norm initialises ``ln2``;
- ``drop``: the same layout with ``ln2`` left fresh, as MAE's own code.

``--config CONFIG`` reads the layout (final norm, image size) from a config
instead and refuses unless every backbone tensor loads into it.

Example::

    CFGS=$(python -c "import mmpretrain, os; print(os.path.dirname(\
        mmpretrain.__file__))")/.mim/configs
    python tools/model_converters/vicmae_to_mmpretrain.py \
        work_dirs/vicmae/epoch_800.pth vit-b_mae-ft.pth --config \
        $CFGS/mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py
"""
import argparse
from functools import partial

from vicmae_mm.converters import (FINAL_NORMS, convert_file,
                                  vicmae_to_mmpretrain)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='ViC-MAE checkpoint (full or encoder)')
    parser.add_argument('dst', help='output file')
    parser.add_argument('--config', help='target config (layout + check)')
    parser.add_argument('--final-norm',
                        choices=FINAL_NORMS,
                        help='final-norm layout (default ln1)')
    parser.add_argument('--arch',
                        choices=['s', 'b', 'l', 'h'],
                        help='expected ViT size (checked)')
    parser.add_argument('--img-size',
                        type=int,
                        help='resize the position embedding for this size')
    parser.add_argument('--no-prefix',
                        action='store_true',
                        help="write bare keys instead of 'backbone.*'")
    args = parser.parse_args(argv)
    if args.config and (args.final_norm or args.img_size or args.no_prefix):
        parser.error('--config decides the layout: drop --final-norm, '
                     '--img-size and --no-prefix')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    convert = partial(vicmae_to_mmpretrain,
                      arch=args.arch,
                      img_size=args.img_size,
                      out_prefix='' if args.no_prefix else 'backbone.',
                      final_norm=args.final_norm or 'ln1',
                      progress=True)
    try:
        convert_file(args.src, args.dst, convert, args.config, args.arch)
    except ValueError as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
