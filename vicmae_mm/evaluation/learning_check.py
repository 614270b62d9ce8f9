# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Does pretraining learn a representation? The pieces of the learning check.

``tools/analysis/learning_check.py`` trains one pretraining config several
ways through mmengine's Runner (the real training path: the config's
frame-pair pipeline, AdamW, warm-up + cosine, ``ContrastWeightHook``), for
the same budget and seeds, and probes the frozen mean-pooled features of
each encoder on held-out labelled images (k-NN and logistic regression,
:mod:`vicmae_mm.evaluation.feature_probe`):

- ``random``: the initialised weights, no training;
- ``mae``: MAE-only, contrastive weight 0;
- ``vicmae``: ViC-MAE as configured (the paper's 0.97 / 0.03, warm-up);
- ``contrast``: a high contrastive weight (1.0), a check of the
  contrastive branch on its own;

plus encoder-free references on the same probe images (``pixels``,
``edges``: :class:`~vicmae_mm.evaluation.feature_probe.PixelFeatures`), which
tell what the data allows.
"""
import logging
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional, Sequence

import torch

VARIANTS = ('random', 'mae', 'vicmae', 'contrast')
BASELINES = ('pixels', 'edges')
NAMES = dict(
    random='random init',
    mae='MAE-only (w_c = 0)',
    vicmae='ViC-MAE (0.97 / 0.03, warm-up)',
    contrast='high contrastive weight (w_c = 1)',
    pixels='ref: raw pixels',
    edges='ref: edge magnitudes')
#: Contrastive weight of each trained variant (None: the config's).
WEIGHTS = dict(mae=0.0, vicmae=None, contrast=1.0)
METRICS = ('knn_top1', 'logreg_top1')


def variant_cfg(cfg, variant: str, seed: int, work_dir: str):
    """A copy of ``cfg`` for one variant and seed (an mmengine Config).

    The contrastive weight is set on the config's ``ContrastWeightHook``
    (which must exist); logging is quiet and checkpoints are written once,
    at the end.
    """
    cfg = cfg.copy()
    hooks = [h for h in cfg.get('custom_hooks', [])
             if h.get('type') == 'ContrastWeightHook']
    if not hooks:
        raise KeyError('learning check: the config has no ContrastWeightHook '
                       'in custom_hooks (it sets the contrastive weight)')
    if WEIGHTS.get(variant) is not None:
        hooks[0]['final'] = WEIGHTS[variant]
    cfg.work_dir = osp.join(work_dir, f'{variant}_seed{seed}')
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=seed, diff_rank_seed=False)
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    iters = cfg.train_cfg.max_iters
    cfg.default_hooks.logger.interval = max(1, iters // 5)
    cfg.default_hooks.checkpoint = dict(
        type='AtomicCheckpointHook', by_epoch=False, interval=iters,
        max_keep_ckpts=1)
    return cfg


def run_variant(cfg, variant: str, seed: int, work_dir: str,
                probe_root: str, device: str = 'cpu') -> Dict:
    """Train (unless ``random``) and probe one variant; a result dict.

    Keys: ``variant``, ``seed``, ``iters``, ``train_s``, ``knn_top1``,
    ``logreg_top1``, ``num_train``, ``num_test`` and for trained variants
    ``contrast_weight`` (the final one), ``raw_recon``, ``raw_contrast`` (the
    last logged values) and ``checkpoint``.
    """
    from mmengine.logging import MMLogger
    from mmengine.model import revert_sync_batchnorm
    from mmengine.runner import Runner, set_random_seed
    from mmpretrain.registry import MODELS

    from .feature_probe import probe_image_folder
    cfg = variant_cfg(cfg, variant, seed, work_dir)
    start = time.time()
    out = dict(variant=variant, seed=seed, iters=0)
    if variant == 'random':
        set_random_seed(seed)
        model = revert_sync_batchnorm(MODELS.build(cfg.model))
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.WARNING)
        model.init_weights()
        logger.setLevel(level)
        model.to(device)
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
    model.neck.mode = 'mean'  # the probed feature: mean of the patch tokens
    out.update(probe_image_folder(model, probe_root,
                                  cfg.model.backbone.img_size))
    return out


def run_variant_in_worker(cfg_text: str, variant: str, seed: int,
                          work_dir: str, probe_root: str, threads: int,
                          device: str) -> Dict:
    """:func:`run_variant` in a fresh (spawned) worker process.

    The config comes as text (``Config.pretty_text``) so the task pickles
    small; the worker sets its torch threads and the mmpretrain scope.
    """
    import warnings
    warnings.simplefilter('ignore')  # keep the caller's progress bar clean
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import vicmae_mm  # noqa: F401
    set_threads(threads)
    init_default_scope('mmpretrain')
    cfg = Config.fromstring(cfg_text, '.py')
    return run_variant(cfg, variant, seed, work_dir, probe_root, device)


def run_baseline(kind: str, probe_root: str, img_size: int) -> Dict:
    """The same probe on encoder-free features of the same images."""
    from .feature_probe import PixelFeatures, probe_image_folder
    out = dict(variant=kind, seed=None, iters=0, train_s=0.)
    out.update(probe_image_folder(PixelFeatures(kind), probe_root, img_size))
    return out


def summarise(results: Sequence[Dict]) -> Dict[str, Dict[str, float]]:
    """Mean and sample std (``<key>_sd``) per variant over seeds."""
    table = {}
    for v in VARIANTS + BASELINES:
        rows = [r for r in results if r['variant'] == v]
        if not rows:
            continue
        table[v] = dict(n=len(rows))
        for key in METRICS + ('train_s', 'raw_recon', 'raw_contrast'):
            vals = [r[key] for r in rows if key in r]
            if vals:
                table[v][key] = statistics.mean(vals)
                table[v][key + '_sd'] = (statistics.stdev(vals)
                                         if len(vals) > 1 else 0.)
    return table


def separated(table: Dict, better: str, worse: str, metric: str) -> bool:
    """``better`` beats ``worse`` by more than the sum of their stds."""
    a, b = table[better], table[worse]
    return (a[metric] - b[metric]) > (a[metric + '_sd'] + b[metric + '_sd'])


def verdict(table: Dict, metrics: Sequence[str] = METRICS) -> Dict:
    """The check's target on every metric in ``metrics``.

    ``full``: ViC-MAE > MAE-only > random init, each gap larger than the sum
    of the two stds; ``vicmae``: at least ViC-MAE > MAE-only and ViC-MAE >
    random init that way. ``status`` is 'PASS' (full order on every metric),
    'PASS (ViC-MAE only)' (ViC-MAE beats both on every metric, MAE-only does
    not beat random init on some metric) or 'FAIL'. Needs 2+ seeds.
    """
    if not all(v in table for v in ('random', 'mae', 'vicmae')):
        return dict(status='n/a', reason='needs random, mae and vicmae')
    if min(table[v]['n'] for v in ('random', 'mae', 'vicmae')) < 2:
        return dict(status='n/a', reason='needs 2 or more seeds')
    res = {}
    for m in metrics:
        res[m] = dict(
            vicmae_gt_mae=separated(table, 'vicmae', 'mae', m),
            mae_gt_random=separated(table, 'mae', 'random', m),
            vicmae_gt_random=separated(table, 'vicmae', 'random', m))
    full = all(r['vicmae_gt_mae'] and r['mae_gt_random']
               for r in res.values())
    vic = all(r['vicmae_gt_mae'] and r['vicmae_gt_random']
              for r in res.values())
    res['status'] = ('PASS' if full else
                     'PASS (ViC-MAE only)' if vic else 'FAIL')
    return res


def format_table(table: Dict) -> List[str]:
    """Markdown rows: variant, k-NN, logreg (mean +- std), raw losses."""
    lines = ['| variant | k-NN top-1 % | logreg top-1 % | final raw recon '
             '| final raw InfoNCE | train s |',
             '|---|---|---|---|---|---|']
    for v, t in table.items():
        cells = [f'{t[m]:.1f} ± {t[m + "_sd"]:.1f}' for m in METRICS]
        for key in ('raw_recon', 'raw_contrast'):
            cells.append(f'{t[key]:.3f}' if key in t else '-')
        cells.append(f'{t["train_s"]:.0f}')
        lines.append(f'| {NAMES[v]} | ' + ' | '.join(cells) + ' |')
    return lines


def set_threads(threads: Optional[int]) -> None:
    """torch intra-op threads of this process (None: leave as is)."""
    if threads:
        torch.set_num_threads(threads)
