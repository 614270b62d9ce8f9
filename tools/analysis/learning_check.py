# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Does pretraining help? Random init vs MAE-only vs ViC-MAE, same budget.

Pretrains a small ViT (the ``_base_`` ViC-MAE model shrunk: 32 px, patch 4,
embed 64, depth 4) on the procedural demo videos with mmengine's Runner (the
real training path: default runtime, frame-pair pipeline, AdamW, warm-up +
cosine), for the same number of iterations and seed:

- ``random``: no training (the initialised weights);
- ``mae``: MAE-only, contrastive weight fixed to 0;
- ``vicmae``: ViC-MAE, ``ContrastWeightHook`` defaults (constant 0.03)
  unless ``--contrast-weight`` says otherwise;

then probes the frozen pooled features (``ViCMAE.extract_feat``: the
neck's pooling of all patch tokens, ``--pool mean`` by default, or the CLS
token) on the held-out labelled demo images with
:mod:`vicmae_mm.evaluation.feature_probe` (k-NN and logistic regression, fitted
on ``images/train``, evaluated on ``images/val``). The same probe on two
encoder-free references tells whether the data allows the task at all:
``pixels`` (the normalised probe-resolution pixels) and ``edges``
(colour-invariant gradient magnitudes of the grey image). The demo set is
written to ``<work-dir>/data`` with more probe images than the default
(256 train + 128 val per class) unless ``--data-root`` names an existing
one. Several ``--seeds`` give a mean and spread. Prints a table and one JSON
line.

Example::

    python tools/analysis/learning_check.py               # a few minutes
    python tools/analysis/learning_check.py --tiny        # smoke run
"""
import argparse
import json
import logging
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

BASE_MODEL = osp.join(REPO, 'configs/_base_/models/vicmae_vit-base-p16.py')
RUNTIME = osp.join(REPO, 'configs/_base_/default_runtime.py')


from vicmae_mm.utils.model_size import \
    vicmae_size_options  # noqa: E402

# 0.2 M encoder parameters: 32 px, patch 4, width 64, depth 4
DEMO = vicmae_size_options(64, 4, 4, 32, 4, 64, 2, 256, 64)
TINY = vicmae_size_options(32, 2, 2, 32, 8, 16, 1, 32, 8)
VARIANTS = ('random', 'mae', 'vicmae')
BASELINES = ('pixels', 'edges')
NAMES = dict(random='random init', mae='MAE-only (w_c = 0)', vicmae='ViC-MAE',
             pixels='ref: raw pixels', edges='ref: edge magnitudes')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/learning_check')
    parser.add_argument('--data-root', help='existing demo set (default: '
                        'generate <work-dir>/data)')
    parser.add_argument('--iters', type=int, default=200)
    parser.add_argument('--batch-size', type=int, default=8,
                        help='videos per batch (x --num-pairs pairs)')
    parser.add_argument('--num-pairs', type=int, default=4)
    parser.add_argument('--lr', type=float, default=1.5e-3)
    parser.add_argument('--contrast-weight', type=float, default=None,
                        help='ViC-MAE weight (default: the model default)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--variants', nargs='+', choices=VARIANTS,
                        default=list(VARIANTS))
    parser.add_argument('--pool', choices=('mean', 'cls'), default='mean',
                        help='probed feature: mean of the patch tokens '
                        '(extract_feat) or the CLS token')
    parser.add_argument('--no-baselines', action='store_true',
                        help='skip the pixels / edges reference rows')
    parser.add_argument('--workers', type=int, default=1,
                        help='dataloader workers')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (1 is fastest on a busy 2-core '
                        'machine: 2 threads were 5x slower there)')
    parser.add_argument('--tiny', action='store_true',
                        help='tiny model, tiny data, few iterations (tests)')
    args = parser.parse_args(argv)
    if args.tiny:
        args.iters = min(args.iters, 4)
        args.batch_size, args.num_pairs, args.workers = 4, 1, 0
    return args


def make_data(args: argparse.Namespace) -> str:
    """The demo set to use (generated once under the work dir)."""
    from vicmae_mm.datasets.demo import make_demo_dataset
    if args.data_root:
        if not osp.isfile(osp.join(args.data_root, 'videos_train.txt')):
            raise FileNotFoundError(
                f'--data-root {args.data_root}: no videos_train.txt; '
                'generate it with tools/data/make_demo_dataset.py')
        return args.data_root
    root = osp.join(args.work_dir, 'data' + ('_tiny' if args.tiny else ''))
    if not osp.isfile(osp.join(root, 'videos_train.txt')):
        kw = (dict(videos_per_class=3, val_videos_per_class=1,
                   images_per_class=4, val_images_per_class=4,
                   num_frames=24) if args.tiny else
              dict(videos_per_class=16, images_per_class=256,
                   val_images_per_class=128))
        make_demo_dataset(root, seed=0, **kw)
    return root


def runner_cfg(args: argparse.Namespace, variant: str, seed: int,
               data_root: str):
    """mmengine Config of one pretraining run."""
    from mmengine.config import Config
    cfg = Config.fromfile(RUNTIME)
    cfg.merge_from_dict(dict(model=Config.fromfile(BASE_MODEL).model))
    cfg.merge_from_dict(TINY if args.tiny else DEMO)
    img = cfg.model.backbone.img_size
    view = [dict(type='RandomResizedCrop', scale=img,
                 crop_ratio_range=(0.2, 1.0), backend='pillow',
                 interpolation='bicubic'),
            dict(type='RandomFlip', prob=0.5)]
    iters, warm = args.iters, max(1, args.iters // 10)
    weight = 0.0 if variant == 'mae' else (
        cfg.model.contrast_weight
        if args.contrast_weight is None else args.contrast_weight)
    cfg.merge_from_dict(dict(
        work_dir=osp.join(args.work_dir, f'{variant}_seed{seed}'),
        log_level='WARNING',
        randomness=dict(seed=seed, diff_rank_seed=False),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        train_dataloader=dict(
            batch_size=args.batch_size, num_workers=args.workers,
            persistent_workers=args.workers > 0,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            collate_fn=dict(type='repeat_default_collate'),
            dataset=dict(
                type='FramePairVideoDataset', data_root=data_root,
                ann_file='videos_train.txt', data_prefix=dict(video='videos'),
                pipeline=[
                    dict(type='mmaction.DecordInit'),
                    dict(type='SampleFramePair', min_gap=4, max_gap=16,
                         num_pairs=args.num_pairs),
                    dict(type='SortedDecordDecode'),
                    dict(type='PerFrameAugment', transforms=view),
                    dict(type='PackFramePairs', num_frames=2)
                ])),
        optim_wrapper=dict(
            type='OptimWrapper',
            constructor='CompileSafeOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=args.lr, betas=(0.9, 0.95),
                           weight_decay=0.05)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=1e-3, by_epoch=False,
                 begin=0, end=warm),
            dict(type='CosineAnnealingLR', by_epoch=False, begin=warm,
                 end=iters, T_max=max(1, iters - warm), eta_min=0.)
        ],
        train_cfg=dict(type='IterBasedTrainLoop',
                       max_iters=iters),
        default_hooks=dict(
            logger=dict(interval=max(1, iters // 5)),
            checkpoint=dict(by_epoch=False, interval=iters,
                            max_keep_ckpts=1)),
        custom_hooks=[dict(type='ContrastWeightHook', final=weight)]))
    return cfg


def probe(model: torch.nn.Module, data_root: str, img: int) -> Dict:
    """k-NN / logistic-regression top-1 of frozen features on the images."""
    from vicmae_mm.evaluation.feature_probe import probe_image_folder
    return probe_image_folder(model, osp.join(data_root, 'images'), img)


def run_variant(args: argparse.Namespace, variant: str, seed: int,
                data_root: str) -> Dict:
    from mmengine.logging import MMLogger
    from mmengine.runner import Runner, set_random_seed
    from mmpretrain.registry import MODELS
    cfg = runner_cfg(args, variant, seed, data_root)
    start = time.time()
    out = dict(variant=variant, seed=seed, iters=0)
    if variant == 'random':
        set_random_seed(seed)
        model = MODELS.build(cfg.model)
        level = MMLogger.get_current_instance().level
        MMLogger.get_current_instance().setLevel(logging.WARNING)
        model.init_weights()
        MMLogger.get_current_instance().setLevel(level)
        from mmengine.model import revert_sync_batchnorm
        model = revert_sync_batchnorm(model)
    else:
        runner = Runner.from_cfg(cfg)
        runner.train()
        model = runner.model
        hub = runner.message_hub
        out.update(iters=runner.iter,
                   contrast_weight=round(float(model.contrast_weight), 6))
        for key in ('raw_recon', 'raw_contrast'):
            out[key] = float(hub.get_scalar(f'train/{key}').current())
        out['checkpoint'] = osp.join(cfg.work_dir, f'iter_{runner.iter}.pth')
    out['train_s'] = time.time() - start
    model.neck.mode = args.pool  # TokenPoolNeck: same probe for all
    out.update(probe(model, data_root, cfg.model.backbone.img_size))
    return out


def run_baseline(args: argparse.Namespace, kind: str,
                 data_root: str) -> Dict:
    """The probe on encoder-free features (same images and resolution)."""
    cfg = runner_cfg(args, 'random', 0, data_root)
    out = dict(variant=kind, seed=None, iters=0, train_s=0.)
    from vicmae_mm.evaluation.feature_probe import PixelFeatures
    out.update(probe(PixelFeatures(kind), data_root,
                     cfg.model.backbone.img_size))
    return out


def summarise(results: List[Dict]) -> Dict[str, Dict]:
    table = {}
    for v in VARIANTS + BASELINES:
        rows = [r for r in results if r['variant'] == v]
        if not rows:
            continue
        table[v] = {}
        for key in ('knn_top1', 'logreg_top1', 'train_s', 'raw_recon',
                    'raw_contrast'):
            vals = [r[key] for r in rows if key in r]
            if vals:
                table[v][key] = statistics.mean(vals)
                table[v][key + '_sd'] = (statistics.stdev(vals)
                                         if len(vals) > 1 else 0.)
    return table


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from mmengine.registry import init_default_scope

    import vicmae_mm  # noqa: F401
    init_default_scope('mmpretrain')
    data_root = make_data(args)
    start = time.time()
    results = [run_variant(args, v, s, data_root) for s in args.seeds
               for v in args.variants]
    baselines = [] if args.no_baselines else [
        run_baseline(args, b, data_root) for b in BASELINES]
    table = summarise(results + baselines)
    print(f'\nlearning check: {args.iters} iterations x '
          f'{args.batch_size * args.num_pairs} pairs, seeds {args.seeds}, '
          f'probe {args.pool} pooling, data {data_root}, '
          f'{time.time() - start:.0f} s')
    print('| variant | k-NN top-1 % | logreg top-1 % | final raw recon | '
          'final raw contrast | train s |\n|---|---|---|---|---|---|')
    for v, t in table.items():
        print(f'| {NAMES[v]} | {t["knn_top1"]:.1f} ± {t["knn_top1_sd"]:.1f} '
              f'| {t["logreg_top1"]:.1f} ± {t["logreg_top1_sd"]:.1f} | '
              f'{t.get("raw_recon", float("nan")):.3f} | '
              f'{t.get("raw_contrast", float("nan")):.3f} | '
              f'{t["train_s"]:.0f} |')
    if all(v in table for v in VARIANTS):
        for key in ('knn_top1', 'logreg_top1'):
            a, b, c = (table[v][key] for v in ('vicmae', 'mae', 'random'))
            print(f'{key}: ViC-MAE > MAE-only > random init: '
                  f'{"yes" if a > b > c else "NO"} ({a:.1f}, {b:.1f}, '
                  f'{c:.1f})')
    res = dict(iters=args.iters, pairs_per_iter=args.batch_size *
               args.num_pairs, seeds=args.seeds, pool=args.pool, table=table,
               runs=results, baselines=baselines)
    print(json.dumps(res))
    return res


if __name__ == '__main__':
    main()
