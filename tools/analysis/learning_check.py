# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Does pretraining learn? Random init vs MAE-only vs ViC-MAE, same budget.

Trains the learning-check config
(``configs/learning_check/vicmae_vit-mini-p4_1xb16-1000i_digits.py``: a small
ViT on moving handwritten digits, :mod:`vicmae_mm.datasets.digit_videos`)
four ways through mmengine's Runner for the same iterations and seeds
(random init, MAE-only, ViC-MAE with the paper's weights and warm-up, a
high contrastive weight), probes the frozen mean-pooled features on the
held-out digits with k-NN and logistic regression, and prints a table
(mean ± std over seeds), PASS / FAIL on the target (ViC-MAE > MAE-only >
random init, each gap larger than the sum of the two stds, on both probes)
and one JSON line. Runs go ``--jobs`` at a time, one torch thread each.
See :mod:`vicmae_mm.evaluation.learning_check`.

Example::

    python tools/analysis/learning_check.py            # 2-core CPU, ~14 min
    python tools/analysis/learning_check.py --gpu      # one GPU, larger model
    python tools/analysis/learning_check.py --tiny     # smoke run (tests)
"""
import argparse
import json
import multiprocessing as mp
import os
import os.path as osp
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Dict, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

CONFIG = osp.join(
    REPO, 'configs/learning_check/vicmae_vit-mini-p4_1xb16-1000i_digits.py')
VARIANTS = ('random', 'mae', 'vicmae', 'contrast')

# --gpu: a wider, deeper model (width 192, 6 blocks), 8x the pairs per step,
# the same iterations, two runs at a time on one GPU with bf16; sized for
# about 5 minutes on one H200 for 3 seeds (estimate: not yet run on a GPU,
# no device was at hand)
GPU_OPTIONS = dict(size=(192, 6, 6, 32, 4, 128, 2, 1024, 128), iters=1000,
                   batch=128, workers=4)
# --tiny: the unit-test model on 40 videos, 3 iterations
TINY_OPTIONS = dict(size=(32, 2, 2, 32, 8, 16, 1, 32, 8), iters=3, batch=8,
                    workers=0)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=CONFIG,
                        help='pretraining config with a ContrastWeightHook')
    parser.add_argument('--work-dir', default='work_dirs/learning_check')
    parser.add_argument('--data-root', help='digit set (default: the '
                        "config's data_root, generated if missing)")
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--variants', nargs='+', choices=VARIANTS,
                        default=list(VARIANTS))
    parser.add_argument('--iters', type=int, help='override max_iters (the '
                        'lr and contrastive warm-ups scale with it)')
    parser.add_argument('--jobs', type=int, default=min(2, os.cpu_count()),
                        help='runs in parallel (default: min(2, CPUs))')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per run')
    parser.add_argument('--no-baselines', action='store_true',
                        help='skip the pixels / edges reference rows')
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--gpu', action='store_true',
                      help='larger model and budget on cuda')
    mode.add_argument('--tiny', action='store_true',
                      help='tiny model and data, 3 iterations (tests)')
    return parser.parse_args(argv)


def set_iters(cfg, iters: int) -> None:
    """Set ``max_iters`` and scale the iteration-based schedules with it."""
    old = cfg.train_cfg.max_iters
    scale = iters / old
    for sch in cfg.param_scheduler:
        for key in ('begin', 'end', 'T_max'):
            if key in sch:
                sch[key] = max(1, round(sch[key] * scale)) if sch[key] else 0
    for hook in cfg.custom_hooks:
        if hook.get('warmup_iters'):
            hook['warmup_iters'] = max(1, round(hook['warmup_iters'] * scale))
    cfg.train_cfg.max_iters = iters


def build_cfg(args: argparse.Namespace, data_root: str):
    """The config with the mode's and the command line's overrides."""
    from mmengine.config import Config

    from vicmae_mm.utils.model_size import vicmae_size_options
    cfg = Config.fromfile(args.config)
    ds = cfg.train_dataloader.dataset
    ds.data_root = data_root
    ds.pop('auto_create_demo', None)  # generated once, before the runs
    opts = GPU_OPTIONS if args.gpu else TINY_OPTIONS if args.tiny else None
    if opts:
        cfg.merge_from_dict(vicmae_size_options(*opts['size']))
        set_iters(cfg, opts['iters'])
        cfg.train_dataloader.batch_size = opts['batch']
        cfg.train_dataloader.num_workers = opts['workers']
    if args.iters:
        set_iters(cfg, args.iters)
    if args.jobs > 1 and not args.gpu:  # runs share the cores: in-process
        cfg.train_dataloader.num_workers = 0
    if not cfg.train_dataloader.num_workers:
        cfg.train_dataloader.persistent_workers = False
    if args.gpu:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'
    return cfg


def make_data(args: argparse.Namespace, cfg_root: str) -> str:
    """Generate the digit set (once) and return its root."""
    from vicmae_mm.datasets.digit_videos import (ensure_digit_videos,
                                                 make_digit_videos)
    if args.tiny:
        root = osp.join(args.work_dir, 'digits_tiny')
        make_digit_videos(root, num_train=40, num_val=40)
        return root
    root = args.data_root or cfg_root
    ensure_digit_videos(root)
    return root


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.utils import ProgressBar

    import vicmae_mm  # noqa: F401
    from vicmae_mm.evaluation import learning_check as lc
    lc.set_threads(args.threads)
    init_default_scope('mmpretrain')
    root = make_data(args, Config.fromfile(args.config).train_dataloader
                     .dataset.data_root)
    cfg = build_cfg(args, root)
    probe_root = osp.join(root, 'images')
    device = 'cuda' if args.gpu else 'cpu'
    tasks = [(v, s) for s in args.seeds for v in args.variants]
    start = time.time()
    print(f'learning check: {len(tasks)} runs of '
          f'{cfg.train_cfg.max_iters} iterations x '
          f'{cfg.train_dataloader.batch_size} pairs, {args.jobs} at a time')
    bar = ProgressBar(len(tasks))
    results = []
    with ProcessPoolExecutor(args.jobs,
                             mp_context=mp.get_context('spawn')) as pool:
        futures = [
            pool.submit(lc.run_variant_in_worker, cfg.pretty_text, v, s,
                        args.work_dir, probe_root, args.threads, device)
            for v, s in tasks
        ]
        for fut in as_completed(futures):
            results.append(fut.result())
            bar.update()
    results.sort(key=lambda r: (r['seed'], VARIANTS.index(r['variant'])))
    baselines = [] if args.no_baselines else [
        lc.run_baseline(b, probe_root, cfg.model.backbone.img_size)
        for b in lc.BASELINES
    ]
    table = lc.summarise(results + baselines)
    verdict = lc.verdict(table)
    wall = time.time() - start
    print(f'\nlearning check: {cfg.train_cfg.max_iters} iterations x '
          f'{cfg.train_dataloader.batch_size} pairs, seeds {args.seeds}, '
          f'probe of mean-pooled features, data {root}, {wall:.0f} s wall '
          f'({os.cpu_count()} CPUs, {args.jobs} jobs)')
    print('\n'.join(lc.format_table(table)))
    for m in lc.METRICS:
        if m in verdict:
            v = verdict[m]
            print(f'{m}: ViC-MAE > MAE-only {v["vicmae_gt_mae"]}, MAE-only > '
                  f'random init {v["mae_gt_random"]}, ViC-MAE > random init '
                  f'{v["vicmae_gt_random"]} (gaps beyond the sum of stds)')
    print(f'learning check: {verdict["status"]}')
    res = dict(config=osp.relpath(args.config, REPO),
               iters=cfg.train_cfg.max_iters,
               pairs_per_iter=cfg.train_dataloader.batch_size,
               seeds=args.seeds, wall_s=round(wall, 1), table=table,
               verdict=verdict, runs=results, baselines=baselines)
    print(json.dumps(res))
    return res


if __name__ == '__main__':
    main()
