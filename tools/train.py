# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Train a model from a config (mmpretrain's ``tools/train.py`` interface).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [PATH]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

Without CUDA, ``--launcher pytorch`` (torchrun, ``tools/dist_train.sh``)
trains on CPU through gloo; ``--amp`` (bf16) needs a CUDA GPU.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import vicmae_mm  # noqa: E402,F401  (registry + safe checkpoint loader)
from vicmae_mm.engine.hooks.bad_sample_counter_hook import \
    check_loader_yields_batches  # noqa: E402
from vicmae_mm.utils import setup_amp, setup_launcher  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
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
    parser.add_argument('--no-pin-memory', action='store_true')
    parser.add_argument('--no-persistent-workers', action='store_true')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (xxx=yyy), merged into '
        'the config')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line arguments to the config.

    ``--cfg-options`` is merged first, so the flags and the CPU/GPU checks
    below see its values; dataloader defaults (``default_collate``, pinned
    memory, persistent workers) are merged under what the config sets.
    """
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if cfg.get('auto_scale_lr') is None:
            raise RuntimeError('--auto-scale-lr needs `auto_scale_lr = '
                               'dict(base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(field) is None:
            continue
        loader = cfg[field]
        loader.setdefault('pin_memory', not args.no_pin_memory
                          and torch.cuda.is_available())
        loader.setdefault('collate_fn', dict(type='default_collate'))
        if loader.get('num_workers', 0) > 0:  # torch refuses it with 0
            loader.setdefault('persistent_workers',
                              not args.no_persistent_workers)
    return setup_amp(cfg, amp=args.amp)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    try:
        cfg = merge_args(cfg, args)
    except RuntimeError as err:
        sys.exit(f'error: {err}')
    setup_launcher(cfg, args.launcher)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        from mmpretrain.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    # an epoch without a batch fails here, not in a scheduler (or silently)
    check_loader_yields_batches(runner.train_dataloader)
    runner.train()


if __name__ == '__main__':
    main()
