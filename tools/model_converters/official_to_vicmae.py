# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Convert an authors' ViC-MAE checkpoint (timm keys) for ``vicmae_mm``.

``--format full`` (default) writes a complete ``ViCMAE`` state dict
(encoder, decoder, projector) that can continue pretraining
(``load_from``); ``mmpretrain``, ``mmaction-frame`` and
``mmaction-spacetime`` write the backbone-only formats of
``vicmae_to_mmpretrain.py`` / ``vicmae_to_mmaction.py``. Keys no rule knows
and keys a complete checkpoint should have are printed (and stored in
``meta``); ``--strict`` turns either into an error.

Example::

    python tools/model_converters/official_to_vicmae.py \
        vicmae_vitb_official.pth vicmae_vitb.pth --arch b
"""
import argparse
import sys

from vicmae_mm.converters import (check_arch, encoder_state_dict,
                                  load_state_dict_file, official_to_vicmae,
                                  save_converted, vicmae_to_mmaction,
                                  vicmae_to_mmpretrain)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="authors' checkpoint ({'model': ...})")
    parser.add_argument('dst', help='output file')
    parser.add_argument(
        '--format', default='full',
        choices=['full', 'mmpretrain', 'mmaction-frame',
                 'mmaction-spacetime'])
    parser.add_argument('--arch', choices=['s', 'b', 'l', 'h'])
    parser.add_argument('--img-size', type=int)
    parser.add_argument('--num-frames', type=int, default=16)
    parser.add_argument('--strict', action='store_true',
                        help='fail on unknown or missing keys')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    sd, unknown, missing = official_to_vicmae(load_state_dict_file(args.src))
    for name, keys in (('unknown (not converted)', unknown),
                       ('missing', missing)):
        if keys:
            print(f'{len(keys)} {name} keys: {keys}', file=sys.stderr)
    if args.strict and (unknown or missing):
        raise SystemExit('--strict: unknown or missing keys, see above')
    if args.format == 'full':
        info = check_arch(encoder_state_dict(sd), args.arch, args.src)
        if args.img_size is not None:
            raise SystemExit('--img-size only applies to backbone formats')
        out, meta = sd, dict(target='vicmae_mm.ViCMAE', arch=info['arch'])
    elif args.format == 'mmpretrain':
        out, meta = vicmae_to_mmpretrain(sd, args.arch, args.img_size)
    else:
        route = args.format.split('-')[1]
        out, meta = vicmae_to_mmaction(sd, route, args.arch, args.img_size,
                                       args.num_frames)
    meta.update(source=args.src, unknown_keys=unknown, missing_keys=missing)
    save_converted(out, meta, args.dst)
    print(f'wrote {len(out)} tensors ({args.format}) to {args.dst}')


if __name__ == '__main__':
    main()
