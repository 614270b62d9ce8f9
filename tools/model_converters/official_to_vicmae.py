# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Convert an authors' ViC-MAE checkpoint (timm keys) for ``vicmae_mm``.

``--format full`` (default) writes a complete ``ViCMAE`` state dict
(encoder, decoder, projector) that can continue pretraining
(``load_from``); ``mmpretrain``, ``mmaction-frame`` and
``mmaction-spacetime`` write the backbone-only formats of
``vicmae_to_mmpretrain.py`` / ``vicmae_to_mmaction.py`` with their default
layouts, or, with ``--config CONFIG``, the layout of that config's backbone
(checked). Keys no rule knows and keys a complete checkpoint should have
are printed (and stored in ``meta``); ``--strict`` turns either into an
error.

Example::

    python tools/model_converters/official_to_vicmae.py \
        vicmae_vitb_official.pth vicmae_vitb.pth --arch b
"""
import argparse
import sys

from vicmae_mm.converters import (check_arch, convert_for_config,
                                  encoder_state_dict, format_report,
                                  load_state_dict_file, official_to_vicmae,
                                  save_converted, vicmae_to_mmaction,
                                  vicmae_to_mmpretrain)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="authors' checkpoint ({'model': ...})")
    parser.add_argument('dst', help='output file')
    parser.add_argument(
        '--format',
        default='full',
        choices=['full', 'mmpretrain', 'mmaction-frame', 'mmaction-spacetime'])
    parser.add_argument('--config',
                        help='backbone formats: target config '
                        '(its layout, checked)')
    parser.add_argument('--arch', choices=['s', 'b', 'l', 'h'])
    parser.add_argument('--img-size', type=int)
    parser.add_argument('--num-frames', type=int, default=16)
    parser.add_argument('--strict',
                        action='store_true',
                        help='fail on unknown or missing keys')
    return parser.parse_args(argv)


def convert(sd: dict, args) -> tuple:
    """The chosen output format of the renamed state dict ``sd``."""
    if args.format == 'full':
        info = check_arch(encoder_state_dict(sd), args.arch, args.src)
        if args.img_size is not None or args.config:
            raise SystemExit('--img-size / --config only apply to backbone '
                             'formats')
        return sd, dict(target='vicmae_mm.ViCMAE', arch=info['arch'])
    if args.config:
        return convert_for_config(sd, args.config, args.arch, progress=True)
    if args.format == 'mmpretrain':
        return vicmae_to_mmpretrain(sd,
                                    args.arch,
                                    args.img_size,
                                    progress=True)
    return vicmae_to_mmaction(sd,
                              args.format.split('-')[1],
                              args.arch,
                              args.img_size,
                              args.num_frames,
                              progress=True)


def main(argv=None) -> None:
    args = parse_args(argv)
    sd, unknown, missing = official_to_vicmae(load_state_dict_file(args.src),
                                              progress=True)
    for name, keys in (('unknown (not converted)', unknown), ('missing',
                                                              missing)):
        if keys:
            print(f'{len(keys)} {name} keys: {keys}', file=sys.stderr)
    if args.strict and (unknown or missing):
        raise SystemExit('--strict: unknown or missing keys, see above')
    try:
        out, meta = convert(sd, args)
    except ValueError as e:
        raise SystemExit(f'error: {e}')
    meta.update(source=args.src, unknown_keys=unknown, missing_keys=missing)
    save_converted(out, meta, args.dst)
    if args.format != 'full':
        print('\n'.join(format_report(meta)))
    print(f'wrote {len(out)} tensors ({args.format}) to {args.dst}')


if __name__ == '__main__':
    main()
