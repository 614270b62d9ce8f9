# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Train a model from a config (mmpretrain's ``tools/train.py`` flags).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [PATH]] [--amp]
        [--no-validate] [--auto-scale-lr] [--no-pin-memory]
        [--no-persistent-workers] [--cfg-options k=v ...]
        [--launcher {none,pytorch,slurm,mpi}]

Without CUDA, ``--launcher pytorch`` (torchrun, ``tools/dist_train.sh``)
trains on CPU through gloo; ``--amp`` (bf16) needs a CUDA GPU. The flags'
effects live in :mod:`vicmae_mm.utils.cli`.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config  # noqa: E402

import vicmae_mm  # noqa: E402,F401  (registry + safe checkpoint loader)
from vicmae_mm.engine.hooks.bad_sample_counter_hook import \
    check_loader_yields_batches  # noqa: E402
from vicmae_mm.utils import cli, setup_launcher  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from PATH; without PATH, from the latest checkpoint in '
        'the work_dir')
    parser.add_argument(
        '--amp', action='store_true', help='bf16 mixed precision (CUDA)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale lr by (world size x batch per GPU) / '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in the dataloaders')
    cli.add_common_args(parser)
    return cli.parse(parser, argv)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    try:
        cfg = cli.merge_train_args(cfg, args)
    except (RuntimeError, ValueError) as err:
        sys.exit(f'error: {err}')
    setup_launcher(cfg, args.launcher)
    runner = cli.build_runner(cfg)
    # an epoch without a batch fails here, not in a scheduler (or silently)
    check_loader_yields_batches(runner.train_dataloader)
    runner.train()


if __name__ == '__main__':
    main()
