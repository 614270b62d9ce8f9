# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Test (evaluate) a checkpoint: mmpretrain's ``tools/test.py`` flags, plus
mmaction2's ``--dump`` (an alias of ``--out``).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--out FILE.pkl] [--out-item {metrics,pred}] [--amp]
        [--show] [--show-dir DIR] [--interval N] [--wait-time S] [--tta]
        [--no-pin-memory] [--cfg-options k=v ...]
        [--launcher {none,pytorch,slurm,mpi}]

``--show`` / ``--show-dir`` draw every ``--interval``-th test sample with the
config's ``VisualizationHook``; ``--tta`` averages the scores over the
config's ``tta_pipeline`` (default: the image and its flip). The flags'
effects live in :mod:`vicmae_mm.utils.cli`.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config  # noqa: E402
from mmengine.fileio import dump  # noqa: E402

import vicmae_mm  # noqa: E402,F401  (registry + safe checkpoint loader)
from vicmae_mm.utils import cli, setup_launcher  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        '--dump',
        help='the file (.pkl for predictions) to write the results to')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='what --out holds: the metrics or the predictions (default)')
    parser.add_argument(
        '--amp', action='store_true', help='fp16 autocast in test (CUDA)')
    parser.add_argument(
        '--show-dir', help='directory to save the drawn test samples to')
    parser.add_argument(
        '--show',
        action='store_true',
        help='display the drawn test samples in a window')
    parser.add_argument(
        '--interval', type=int, default=1, help='draw every N-th sample')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='seconds each --show window stays up')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test-time augmentation: the config\'s `tta_model` and '
        '`tta_pipeline`, by default the scores of the image and its flip '
        'averaged')
    cli.add_common_args(parser)
    return cli.parse(parser, argv)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    try:
        cfg = cli.merge_test_args(cfg, args)
    except (RuntimeError, ValueError) as err:
        sys.exit(f'error: {err}')
    setup_launcher(cfg, args.launcher)
    metrics = cli.build_runner(cfg).test()
    if args.out is not None and args.out_item == 'metrics':
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
