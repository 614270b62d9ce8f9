# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Flags of ``tools/train.py`` / ``tools/test.py`` and what they change.

The tools follow mmpretrain 1.2.0's ``tools/train.py`` and ``tools/test.py``
(flag names, defaults, visualization hook set-up, flip TTA, ``--out``) and
accept mmaction2's ``--dump``; the config logic lives here so that it is
tested without a subprocess and the tools stay thin wrappers.
"""
import argparse
import os
import os.path as osp
from copy import deepcopy
from typing import Iterator, Optional, Sequence

import torch
from mmengine.config import Config, ConfigDict, DictAction

from .launch import LAUNCHERS, setup_amp

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add the flags both tools share (mmpretrain's names).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (xxx=yyy), merged into '
        'the config before the other flags are applied')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the dataloaders')
    parser.add_argument(
        '--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse(parser: argparse.ArgumentParser,
          argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` and export ``LOCAL_RANK`` as mmpretrain's tools do.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        argv (Sequence[str], optional): Arguments. Defaults to None
            (``sys.argv[1:]``).

    Returns:
        argparse.Namespace: The parsed flags.
    """
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def _types(obj) -> Iterator[str]:
    """Every ``type`` inside a config value."""
    if isinstance(obj, dict):
        if isinstance(obj.get('type'), str):
            yield obj['type']
        for value in obj.values():
            yield from _types(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _types(value)


def merge_common_args(cfg: Config,
                      args: argparse.Namespace,
                      loaders: Sequence[str] = LOADERS) -> Config:
    """``--cfg-options``, ``--work-dir`` and the dataloader defaults.

    Dataloader defaults are merged under what the config sets, as in
    mmpretrain's tools: pinned memory with CUDA, persistent workers when
    there are workers, and the collate function that matches the pipeline
    (``repeat_default_collate`` after ``PackFramePairs``, ``default_collate``
    for other mmpretrain configs, none for mmaction2 configs, whose
    ``ActionDataPreprocessor`` needs mmengine's default ``pseudo_collate``).
    ``--no-pin-memory`` and ``--no-persistent-workers`` override the
    config.

    Args:
        cfg (Config): The config, modified in place.
        args (argparse.Namespace): The tool's flags.
        loaders (Sequence[str]): The dataloader fields to complete.
            Defaults to all three.

    Returns:
        Config: ``cfg`` itself.

    Raises:
        ValueError: A ``PackFramePairs`` pipeline with another collate.
    """
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    for field in loaders:
        loader = cfg.get(field)
        if loader is None:
            continue
        loader.setdefault('pin_memory', torch.cuda.is_available())
        if args.no_pin_memory:
            loader.pin_memory = False
        if 'PackFramePairs' in _types(loader.get('dataset')):
            loader.setdefault('collate_fn',
                              dict(type='repeat_default_collate'))
            if loader.collate_fn.get('type') != 'repeat_default_collate':
                raise ValueError(
                    f'{field}: PackFramePairs returns a list of samples per '
                    'index, which needs collate_fn=dict(type='
                    f"'repeat_default_collate'), got {loader.collate_fn}")
        elif cfg.get('default_scope') != 'mmaction':
            loader.setdefault('collate_fn', dict(type='default_collate'))
        if loader.get('num_workers', 0) > 0:  # torch refuses it with 0
            loader.setdefault('persistent_workers', True)
        if getattr(args, 'no_persistent_workers', False):
            loader.persistent_workers = False
    return cfg


def merge_train_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``tools/train.py``'s flags (``--resume [PATH]``,
    ``--no-validate``, ``--auto-scale-lr``, ``--amp`` and the common ones).

    Args:
        cfg (Config): The config, modified in place.
        args (argparse.Namespace): ``tools/train.py``'s flags.

    Returns:
        Config: ``cfg`` itself.

    Raises:
        RuntimeError: ``--auto-scale-lr`` without ``auto_scale_lr`` in the
            config, or AMP without CUDA (see :func:`setup_amp`).
    """
    merge_common_args(cfg, args)
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
    return setup_amp(cfg, amp=args.amp)


def _flip_tta_pipeline(pipeline: list) -> list:
    """mmpretrain's default ``--tta`` pipeline: the image and its horizontal
    flip, each packed by the test pipeline's last transform."""
    flip = [dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)]
    return deepcopy(pipeline[:-1]) + [
        dict(type='TestTimeAug', transforms=[flip, [pipeline[-1]]])
    ]


def merge_test_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``tools/test.py``'s flags to ``cfg``.

    The checkpoint becomes ``load_from``; ``--amp`` sets
    ``test_cfg.fp16``; ``--show`` / ``--show-dir`` enable the config's
    ``default_hooks.visualization`` with ``--interval`` and ``--wait-time``
    (when there is none: mmpretrain's ``VisualizationHook``, or
    :class:`VideoVisualizationHook` for mmaction2 configs, whose own hook
    cannot draw in mmaction2 1.1.0); ``--tta`` wraps the model in
    ``tta_model`` and tests with ``tta_pipeline`` (flip TTA when the config
    has neither); ``--out FILE`` with ``--out-item pred`` (the default) adds
    ``DumpResults``.

    Args:
        cfg (Config): A test config; changed in place and returned.
        args (argparse.Namespace): The flags of ``tools/test.py``, the
            checkpoint included.

    Returns:
        Config: The same ``cfg``.

    Raises:
        RuntimeError: No ``test_dataloader``, ``--amp`` without CUDA,
            ``--out-item`` without ``--out``, ``--tta`` with ``--show`` or
            ``--show-dir``, or ``--tta`` for a video config without its own
            TTA settings.
    """
    if args.out_item is not None and args.out is None:
        raise RuntimeError('--out-item needs --out FILE')
    if args.tta and (args.show or args.show_dir is not None):
        raise RuntimeError('--tta with --show/--show-dir: the visualization '
                           'hooks draw one view per sample; drop one of '
                           'them')
    merge_common_args(cfg, args, loaders=('test_dataloader', ))
    if cfg.get('test_dataloader') is None:
        raise RuntimeError(f'{args.config} has no `test_dataloader`; '
                           'pretraining configs have nothing to evaluate')
    cfg.load_from = args.checkpoint
    if args.amp:
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs a CUDA GPU (fp16 autocast); no '
                               'CUDA device is available, so test without '
                               '--amp on this machine.')
        cfg.test_cfg.fp16 = True
    if args.show or args.show_dir is not None:
        hooks = cfg.setdefault('default_hooks', ConfigDict())
        vis = hooks.setdefault(
            'visualization',
            ConfigDict(
                type='VideoVisualizationHook' if cfg.get('default_scope') ==
                'mmaction' else 'VisualizationHook'))
        vis.update(
            enable=True,
            show=args.show,
            wait_time=args.wait_time,
            out_dir=args.show_dir,
            interval=args.interval)
    if args.tta:
        if cfg.get('default_scope') == 'mmaction' and not (
                'tta_model' in cfg and 'tta_pipeline' in cfg):
            raise RuntimeError(
                '--tta: mmaction2 has no TTA model; a video config averages '
                'its test views (clips x crops) itself. Set `tta_model` and '
                '`tta_pipeline` in the config to use --tta with it.')
        cfg.setdefault('tta_model', dict(type='mmpretrain.AverageClsScoreTTA'))
        if 'tta_pipeline' not in cfg:
            cfg.tta_pipeline = _flip_tta_pipeline(
                cfg.test_dataloader.dataset.pipeline)
        cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    if args.out is not None and args.out_item in (None, 'pred'):
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = list(evaluator) if isinstance(
            evaluator, (list, tuple)) else [evaluator]
        cfg.test_evaluator.append(
            dict(type='DumpResults', out_file_path=args.out))
    return cfg


def build_runner(cfg: Config):
    """The Runner of ``cfg``: mmengine's, or ``runner_type`` from the
    registry.

    Args:
        cfg (Config): The complete config.

    Returns:
        Runner: The built runner.
    """
    if 'runner_type' not in cfg:
        from mmengine.runner import Runner
        return Runner.from_cfg(cfg)
    from mmengine.registry import RUNNERS
    return RUNNERS.build(cfg)
