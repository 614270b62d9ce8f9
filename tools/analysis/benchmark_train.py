# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Speed and memory of the ViC-MAE training step vs. mmpretrain's MAE.

Times the full training step (data preprocessor, forward, backward,
optimizer: ``model.train_step``) after warm-up, first for ViC-MAE on B
random frame pairs, then, in the same run and on the same frames, for
mmpretrain's own ``MAE`` with the same encoder, decoder, mask ratio, loss and
optimizer on the 2B images of the pairs. Target: the ViC-MAE step costs at
most 1.10x the MAE step (its contrastive branch is cheap).

Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` over the timed
steps; on CPU the process RSS sampled every 2 ms during the timed steps minus
the RSS before the model was built (an approximation).

Example::

    python tools/analysis/benchmark_train.py \\
        configs/_base_/models/vicmae_vit-small-p16.py --batch-size 8
    python tools/analysis/benchmark_train.py \\
        configs/_base_/models/vicmae_vit-base-p16.py --device cuda --amp \\
        --compile --batch-size 128
    python tools/analysis/benchmark_train.py CONFIG --tiny   # smoke run

The last line printed is a JSON object with every number.
"""
import argparse
import copy
import gc
import json
import logging
import os
import os.path as osp
import statistics
import sys
import threading
import time
from typing import Dict, Optional, Sequence

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from vicmae_mm.utils.model_size import \
    TINY_MODEL_OPTIONS as TINY  # noqa: E402  (32 px, patch 8, width 32)

OPTIM = dict(  # the schedule's AdamW, same for both models
    constructor='CompileSafeOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1.5e-4, betas=(0.9, 0.95),
                   weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={
        k: dict(decay_mult=0.)
        for k in ('ln', 'bias', 'pos_embed', 'mask_token', 'cls_token')
    }))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config or _base_ model config')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default=None,
                        help='default: cuda when available')
    parser.add_argument('--amp', action='store_true',
                        help='bf16 autocast (AmpOptimWrapper, CUDA only)')
    parser.add_argument(
        '--compile', nargs='?', const='step', choices=['step', 'module'],
        default=None,
        help="'step' (default): torch.compile(model.train_step), as "
        "mmengine's `compile=True` (optimizer step included); 'module': "
        'in-place nn.Module.compile() of the model (state-dict keys kept)')
    parser.add_argument('--batch-size', type=int, default=8, help='pairs')
    parser.add_argument('--mask-ratio', type=float, default=None,
                        help='override the mask ratio of both models')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads')
    parser.add_argument('--skip-mae', action='store_true')
    parser.add_argument('--tiny', action='store_true',
                        help='shrink to a 32 px, 2-layer model')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    if args.amp and args.device != 'cuda':
        parser.error('--amp (AmpOptimWrapper, bf16) needs --device cuda')
    if min(args.batch_size, args.iters) < 1 or args.warmup < 0:
        parser.error('--batch-size and --iters must be >= 1, --warmup >= 0')
    return args


def load_model_cfg(args: argparse.Namespace):
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.tiny:
        cfg.merge_from_dict(TINY)
    if args.mask_ratio is not None:
        cfg.merge_from_dict({'model.backbone.mask_ratio': args.mask_ratio})
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = cfg.get('model')
    if model is None:
        raise ValueError(f'{args.config}: no `model` in this config')
    if 'data_preprocessor' not in model and 'data_preprocessor' in cfg:
        model.data_preprocessor = cfg.data_preprocessor
    if model.get('type') != 'ViCMAE':
        raise ValueError(f'{args.config}: expected a ViCMAE model, got '
                         f'{model.get("type")!r}')
    return model


def mae_cfg(vicmae: dict) -> dict:
    """mmpretrain ``MAE`` with the encoder/decoder/loss of a ViCMAE cfg."""
    bb, rh = vicmae['backbone'], vicmae['recon_head']
    backbone = dict(copy.deepcopy(dict(bb)), type='MAEViT')
    backbone.setdefault('mask_ratio', 0.5)  # VicMAEViT's default
    return dict(
        type='MAE',
        backbone=backbone,
        neck=copy.deepcopy(rh['decoder']),
        head=dict(type='MAEPretrainHead', norm_pix=rh.get('norm_pix', True),
                  patch_size=rh.get('patch_size', 16),
                  loss=copy.deepcopy(rh.get('loss', dict(
                      type='PixelReconstructionLoss', criterion='L2')))),
        data_preprocessor=copy.deepcopy(vicmae.get('data_preprocessor')),
        init_cfg=copy.deepcopy(vicmae.get('init_cfg')))


def _rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def _malloc_trim() -> None:
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class _RssPeak:
    """Peak RSS sampled in a thread while the context is active."""

    def __enter__(self):
        self.peak, self._stop = _rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def bench(model_cfg: dict, data: dict, args: argparse.Namespace,
          pairs: int) -> Dict[str, float]:
    """Build, warm up and time one model's ``train_step``."""
    from mmengine.logging import MMLogger
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.registry import MODELS
    cuda = args.device == 'cuda'
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
    else:
        _malloc_trim()  # give the previous model's freed heap back
    rss0 = _rss_mb()
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights prints every tensor
    model.init_weights()
    logger.setLevel(level)
    model = model.to(args.device).train()
    wrapper = dict(OPTIM, type='OptimWrapper')
    if args.amp:
        wrapper.update(type='AmpOptimWrapper', dtype='bfloat16')
    optim = build_optim_wrapper(model, wrapper)
    if args.compile == 'module':
        model.compile()
    step = model.train_step
    if args.compile == 'step':
        step = torch.compile(step)
    out = dict(params_m=sum(p.numel() for p in model.parameters()) / 1e6)
    sync()
    t0 = time.perf_counter()
    step(data, optim)  # first step: compilation when --compile
    sync()
    out['first_step_s'] = time.perf_counter() - t0
    for _ in range(args.warmup):
        step(data, optim)
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times = []
    with _RssPeak() as rss:
        for _ in range(args.iters):
            t0 = time.perf_counter()
            logs = step(data, optim)
            sync()
            times.append(time.perf_counter() - t0)
    loss = float(logs['loss'])
    if loss != loss:
        raise RuntimeError(f'{model_cfg["type"]}: loss is NaN')
    median = statistics.median(times)  # robust to a busy shared machine
    out.update(
        ms_per_step=1e3 * median,
        ms_per_step_mean=1e3 * statistics.mean(times),
        pairs_per_s=pairs / median,
        peak_mem_mb=(torch.cuda.max_memory_allocated() / 2**20
                     if cuda else rss.peak - rss0),
        loss=loss)
    del model, optim, step
    return out


def make_data(model_cfg: dict, batch: int, device: str, pairs: bool):
    """Random uint8 frames on ``device``; the same for both models."""
    from mmpretrain.structures import DataSample
    size = model_cfg['backbone'].get('img_size', 224)
    g = torch.Generator().manual_seed(0)
    frames = [torch.randint(0, 256, (batch, 3, size, size), generator=g,
                            dtype=torch.uint8).to(device) for _ in range(2)]
    if pairs:
        return dict(inputs=frames,
                    data_samples=[DataSample() for _ in range(batch)])
    return dict(inputs=torch.cat(frames),
                data_samples=[DataSample() for _ in range(2 * batch)])


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmengine.registry import init_default_scope

    import vicmae_mm  # noqa: F401
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    cfg = load_model_cfg(args).to_dict()
    b = args.batch_size
    res = dict(config=args.config, device=args.device, amp=args.amp,
               compile=args.compile, batch_size=b, warmup=args.warmup,
               iters=args.iters,
               img_size=cfg['backbone'].get('img_size', 224),
               mask_ratio=cfg['backbone'].get('mask_ratio', 0.5),
               machine=(torch.cuda.get_device_name() if args.device == 'cuda'
                        else f'cpu x{torch.get_num_threads()} threads'),
               mem=('cuda max_memory_allocated' if args.device == 'cuda' else
                    'sampled RSS peak - RSS before build'))
    res['vicmae'] = bench(cfg, make_data(cfg, b, args.device, True), args, b)
    if not args.skip_mae:
        mae = mae_cfg(cfg)
        mae['backbone']['mask_ratio'] = res['mask_ratio']
        res['mae'] = bench(mae, make_data(cfg, b, args.device, False), args,
                           b)
        res['ratio'] = res['vicmae']['ms_per_step'] / res['mae'][
            'ms_per_step']
    print_table(res)
    print(json.dumps(res))
    return res


def print_table(res: dict) -> None:
    print(f'\n{res["config"]}  {res["machine"]}  batch {res["batch_size"]} '
          f'pairs, {res["img_size"]} px, mask {res["mask_ratio"]}, '
          f'amp={res["amp"]}, compile={res["compile"]}')
    print(f'| model | params (M) | ms/step | pairs/s | peak mem (MiB) | '
          f'first step (s) |\n|---|---|---|---|---|---|')
    for key, name in (('vicmae', 'ViC-MAE (B pairs)'),
                      ('mae', 'MAE (2B images)')):
        if key in res:
            r = res[key]
            print(f'| {name} | {r["params_m"]:.2f} | {r["ms_per_step"]:.1f} '
                  f'| {r["pairs_per_s"]:.1f} | {r["peak_mem_mb"]:.0f} | '
                  f'{r["first_step_s"]:.1f} |')
    if 'ratio' in res:
        verdict = 'OK' if res['ratio'] <= 1.10 else 'ABOVE TARGET'
        print(f'ViC-MAE / MAE step time: {res["ratio"]:.3f} (target <= 1.10:'
              f' {verdict})')


if __name__ == '__main__':
    main()
