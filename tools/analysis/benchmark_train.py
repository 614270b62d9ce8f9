# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Speed and memory of the ViC-MAE training step vs. mmpretrain's MAE.

Builds ViC-MAE on B random frame pairs (``--num-pairs`` per video id) and
mmpretrain's own ``MAE`` with the same encoder, decoder, mask ratio, loss and
optimizer (``--optim-config``'s) on the 2B images, then runs their full
``model.train_step`` (preprocessor, forward, backward, optimizer) alternately
in one process: warm-up steps, then ``--iters`` timed steps of each, the
order swapped every round. Headline: median ViC-MAE step / median MAE step
(target <= 1.05), the contrastive weight changing as under
``ContrastWeightHook``'s warm-up. Also printed: the step split (eager only),
CPU time, peak memory, first step, recompilations; last, a JSON line.

Example::

    python tools/analysis/benchmark_train.py   # = the README's CPU command
    python tools/analysis/benchmark_train.py \\
        configs/_base_/models/vicmae_vit-base-p16.py --device cuda --amp \\
        --compile --batch-size 128
    python tools/analysis/benchmark_train.py --tiny --profile 1  # smoke run
"""
import argparse
import copy
import json
import logging
import os.path as osp
import statistics
import sys
import time
from typing import Optional, Sequence

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from vicmae_mm.utils.model_size import TINY_MODEL_OPTIONS as TINY  # noqa

CONFIG = osp.join(REPO, 'configs/_base_/models/vicmae_vit-small-p16.py')
SCHEDULE = osp.join(REPO, 'configs/_base_/schedules/vicmae_adamw_800e.py')
NAMES = dict(vicmae='ViC-MAE (B pairs)', mae='MAE (2B images)')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=CONFIG,
                        help='(model) config; default: ViT-S/16')
    parser.add_argument('--optim-config', default=SCHEDULE,
                        help='config whose optim_wrapper both models use')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default=None,
                        help='default: cuda when available')
    parser.add_argument('--amp', action='store_true',
                        help='bf16 autocast (AmpOptimWrapper, CUDA only)')
    parser.add_argument(
        '--compile', action='store_true',
        help="torch.compile(model.train_step), as mmengine's `compile=True`"
        ' (optimizer step included; AdamW not fused, see the schedule)')
    parser.add_argument('--compile-backend', default='inductor')
    parser.add_argument('--batch-size', type=int, default=8, help='pairs')
    parser.add_argument('--num-pairs', type=int, default=4, help='per video')
    parser.add_argument('--mask-ratio', type=float, default=None,
                        help='override the mask ratio of both models')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: 1 on CPU, for '
                        'stable numbers on a shared machine; 0: torch)')
    parser.add_argument('--skip-mae', action='store_true')
    parser.add_argument('--tiny', action='store_true',
                        help='shrink to a 32 px, 2-layer model')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='print torch.profiler tables of N more steps')
    parser.add_argument('--json-out', help='also write the JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    args.device = args.device or ('cuda' if torch.cuda.is_available() else
                                  'cpu')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    if args.amp and args.device != 'cuda':
        parser.error('--amp (AmpOptimWrapper, bf16) needs --device cuda')
    if min(args.batch_size, args.iters) < 1 or args.warmup < 0:
        parser.error('--batch-size and --iters must be >= 1, --warmup >= 0')
    args.threads = (1 if args.device == 'cpu' else 0) if (
        args.threads is None) else args.threads
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


def optim_cfg(args: argparse.Namespace) -> dict:
    """The schedule's optimizer wrapper, for both models."""
    from mmengine.config import Config
    cfg = Config.fromfile(args.optim_config).optim_wrapper.to_dict()
    cfg['type'] = 'AmpOptimWrapper' if args.amp else 'OptimWrapper'
    if args.amp:
        cfg['dtype'] = 'bfloat16'
    if args.compile:  # Dynamo re-traces a fused AdamW per param group
        cfg['optimizer'].pop('fused', None)
    return cfg


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
        data_preprocessor=dict(vicmae.get('data_preprocessor') or {},
                               type='SelfSupDataPreprocessor'),  # its own
        init_cfg=copy.deepcopy(vicmae.get('init_cfg')))


def build(model_cfg: dict, args: argparse.Namespace) -> dict:
    """Model, optimizer wrapper, step function and meter of one model."""
    from mmengine.logging import MMLogger
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.registry import MODELS

    from vicmae_mm.models.backbones.vicmae_vit import python_drop_probs
    from vicmae_mm.utils.train_step_meter import TrainStepMeter
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    python_drop_probs(model)  # the MAE baseline gets the same compile fix
    logger = MMLogger.get_current_instance()
    level, _ = logger.level, logger.setLevel(logging.ERROR)
    model.init_weights()  # (quiet: both log every tensor)
    model = model.to(args.device).train()
    optim = build_optim_wrapper(model, optim_cfg(args))
    logger.setLevel(level)
    step = model.train_step
    if args.compile:
        step = torch.compile(step, backend=args.compile_backend)
    return dict(model=model, optim=optim, step=step, records=[],
                meter=TrainStepMeter(model, optim, args.device,
                                     split=not args.compile),
                params_m=sum(p.numel() for p in model.parameters()) / 1e6)


def make_data(model_cfg: dict, batch: int, device: str, num_pairs: int):
    """Random uint8 frames as a loader yields them (pinned for CUDA): B
    pairs with the video ids of ``num_pairs`` per video, or (0) 2B images."""
    from mmpretrain.structures import DataSample
    size = model_cfg['backbone'].get('img_size', 224)
    g = torch.Generator().manual_seed(0)
    frames = [torch.randint(0, 256, (batch, 3, size, size), generator=g,
                            dtype=torch.uint8) for _ in range(2)]
    frames = [f.pin_memory() if device == 'cuda' else f for f in frames]
    if num_pairs:
        return dict(inputs=frames,
                    data_samples=[DataSample() for _ in range(batch)],
                    video_id=torch.arange(batch) // num_pairs)
    return dict(inputs=torch.cat(frames),
                data_samples=[DataSample() for _ in range(2 * batch)])


def _recompiles() -> int:
    from torch._dynamo.utils import guard_failures
    return sum(len(r) for r in guard_failures.values())


def run_alternating(runs: dict, args: argparse.Namespace) -> None:
    """Warm-up, then timed steps, alternating the models every step."""
    from mmengine.utils import ProgressBar
    keys = list(runs)
    total = args.warmup + args.iters
    bar = ProgressBar(total * len(keys), file=sys.stderr)
    for i in range(total):
        for key in (keys if i % 2 == 0 else keys[::-1]):
            r = runs[key]
            before = None if key != 'vicmae' else (  # as the hook's warm-up
                lambda m=r['model'], w=0.03 * (i + 1) / total: m.
                contrast_weight.fill_(w))
            n0 = _recompiles()
            rec = r['meter'].run(r['step'], r['data'], before)
            rec['recompiles'] = _recompiles() - n0
            r['recompiles_all'] = r.get('recompiles_all', 0) + rec[
                'recompiles']  # warm-up included
            r.setdefault('first_step_s', rec['wall_s'])
            if i >= args.warmup:
                r['records'].append(rec)
            bar.update()
    sys.stderr.write('\n')


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmengine.registry import init_default_scope

    import vicmae_mm  # noqa: F401
    from vicmae_mm.utils.train_step_meter import profile_table, summarise
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    cfg = load_model_cfg(args).to_dict()
    b = args.batch_size
    res = dict(config=osp.relpath(args.config, REPO), device=args.device,
               amp=args.amp, compile=args.compile and args.compile_backend,
               batch_size=b, num_pairs=args.num_pairs, warmup=args.warmup,
               iters=args.iters, img_size=cfg['backbone'].get('img_size', 224),
               mask_ratio=cfg['backbone'].get('mask_ratio', 0.5),
               optimizer=optim_cfg(args)['optimizer'],
               machine=(torch.cuda.get_device_name() if args.device == 'cuda'
                        else f'cpu x{torch.get_num_threads()} threads'))
    runs = dict(vicmae=build(cfg, args))
    runs['vicmae']['data'] = make_data(cfg, b, args.device, args.num_pairs)
    if not args.skip_mae:
        mae = mae_cfg(cfg)
        mae['backbone']['mask_ratio'] = res['mask_ratio']
        runs['mae'] = build(mae, args)
        runs['mae']['data'] = make_data(cfg, b, args.device, 0)
    t0 = time.perf_counter()
    try:
        run_alternating(runs, args)
    except torch.cuda.OutOfMemoryError as err:
        res['error'] = f'out of memory: {str(err).splitlines()[0]}'
        dump(res, args.json_out)
        sys.exit(3)
    res['bench_s'] = time.perf_counter() - t0
    for key, r in runs.items():
        res[key] = dict(summarise(r['records'], b), params_m=r['params_m'],
                        first_step_s=r['first_step_s'],
                        recompiles_all=r['recompiles_all'])
    if 'mae' in res:
        v, m = res['vicmae'], res['mae']
        res['ratio'] = v['ms_per_step'] / m['ms_per_step']
        res['ratio_cpu_time'] = v['cpu_ms_per_step'] / m['cpu_ms_per_step']
        res['ratio_paired'] = statistics.median(  # step i vs step i: drift
            a / b for a, b in zip(v['ms_steps'], m['ms_steps']))
    print_table(res)
    for key, r in runs.items() if args.profile else ():
        print(f'\n== torch.profiler, {NAMES[key]}, {args.profile} step(s)')
        print(profile_table(lambda r=r: r['step'](r['data'], r['optim']),
                            args.profile, args.device == 'cuda'))
    dump(res, args.json_out)
    return res


def dump(res: dict, path: Optional[str]) -> None:
    print(json.dumps(res))
    if path:
        with open(path, 'w') as f:
            json.dump(res, f, indent=1)


def print_table(res: dict) -> None:
    print(f'\n{res["config"]}  {res["machine"]}  batch {res["batch_size"]} '
          f'pairs, {res["img_size"]} px, mask {res["mask_ratio"]}, '
          f'amp={res["amp"]}, compile={res["compile"]}, median of '
          f'{res["iters"]} alternating steps')
    print('| model | params (M) | ms/step | CPU ms/step | pairs/s | data | '
          'forward | backward | optimizer | peak mem (MiB) | first step (s)'
          ' | recompiles |\n|---|---|---|---|---|---|---|---|---|---|---|---|')
    for key in ('vicmae', 'mae'):
        if key in res:
            r = res[key]
            split = [f'{r["split_ms"][k]:.0f}' if 'split_ms' in r else '-'
                     for k in ('data', 'forward', 'backward', 'optimizer')]
            print(f'| {NAMES[key]} | {r["params_m"]:.2f} | '
                  f'{r["ms_per_step"]:.1f} | {r["cpu_ms_per_step"]:.1f} | '
                  f'{r["pairs_per_s"]:.1f} | {" | ".join(split)} | '
                  f'{r["peak_mem_mb"]:.0f} | {r["first_step_s"]:.1f} | '
                  f'{r["recompiles"]} |')
    if 'ratio' in res:
        verdict = 'OK' if res['ratio'] <= 1.05 else 'ABOVE TARGET'
        print(f'ViC-MAE / MAE step time: {res["ratio"]:.3f} (target <= 1.05:'
              f' {verdict}); CPU time: {res["ratio_cpu_time"]:.3f}; median '
              f'of the per-round ratios: {res["ratio_paired"]:.3f}')


if __name__ == '__main__':
    main()
