# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Evaluate a checkpoint (mmpretrain's ``tools/test.py`` interface).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--cfg-options k=v ...] [--launcher pytorch] [--amp]
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
from vicmae_mm.utils import setup_launcher  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation metrics')
    parser.add_argument(
        '--out', help='dump the predictions (or metrics) to this .pkl file')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='what --out dumps: the metrics or the predictions (default)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (xxx=yyy)')
    parser.add_argument(
        '--amp', action='store_true', help='bf16 autocast in test (CUDA)')
    parser.add_argument('--no-pin-memory', action='store_true')
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
    """Apply the command-line arguments to the config."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.amp:
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs a CUDA GPU (bf16 autocast); no '
                               'CUDA device is available, so test without '
                               '--amp on this machine.')
        cfg.test_cfg.fp16 = True
    if cfg.get('test_dataloader') is None:
        raise RuntimeError(f'{args.config} has no `test_dataloader`; '
                           'pretraining configs have nothing to evaluate')
    cfg.test_dataloader.setdefault(
        'pin_memory', not args.no_pin_memory and torch.cuda.is_available())
    cfg.test_dataloader.setdefault('collate_fn', dict(type='default_collate'))
    if args.out is not None:
        if args.out_item in (None, 'pred'):
            cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
                cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
            cfg.test_evaluator.append(
                dict(type='DumpResults', out_file_path=args.out))
    return cfg


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
    metrics = runner.test()
    if args.out is not None and args.out_item == 'metrics':
        from mmengine.fileio import dump
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
