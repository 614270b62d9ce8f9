# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Estimate the GPU memory of a ViC-MAE training step from a CPU model.

Runs the ViC-MAE forward (``mode='loss'``) on the CPU under bf16 autocast
for a few small pair batches and adds up the distinct storages that autograd
saves for the backward (``torch.autograd.graph.saved_tensors_hooks``); the
saved bytes are linear in the batch, so two batches give bytes per pair.
The estimate for B pairs on one GPU is

    params, grads and AdamW moments (16 bytes per parameter, fp32)
    + saved activations (intercept + B x bytes per pair)

It is an *estimate*: it leaves out the CUDA context (~0.5 GiB), the caching
allocator's fragmentation, cuBLAS/attention workspaces and the transient
gradient buffers of the backward (at its start: the output gradients of
the last blocks, a few per cent of the saved activations), and CPU autocast
casts the same ops as CUDA autocast except for details. The GPU number is
``peak_reserved_mb`` of ``benchmark_train.py --device cuda --amp``
(``tools/analysis/gpu_check.sh``).

Example::

    python tools/analysis/memory_estimate.py       # ViT-B/16, 224 px
    python tools/analysis/memory_estimate.py --tiny --target 8
"""
import argparse
import json
import os.path as osp
import sys
from typing import Optional, Sequence

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from vicmae_mm.utils.model_size import TINY_MODEL_OPTIONS  # noqa: E402

CONFIG = osp.join(REPO, 'configs/_base_/models/vicmae_vit-base-p16.py')


def saved_bytes(model: torch.nn.Module, batch: int, size: int,
                dtype: Optional[torch.dtype]) -> int:
    """Bytes of the distinct storages saved for backward by one forward."""
    from mmpretrain.structures import DataSample
    storages = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        s = t.untyped_storage()
        storages[s.data_ptr()] = s.nbytes()
        return t

    frames = [torch.randint(0, 256, (batch, 3, size, size),
                            dtype=torch.uint8) for _ in range(2)]
    data = model.data_preprocessor(
        dict(inputs=frames, data_samples=[DataSample()] * batch), True)
    with torch.autocast('cpu', dtype=dtype or torch.float32,
                        enabled=dtype is not None), \
            torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        losses = model(**data, mode='loss')
    del losses
    return sum(storages.values())


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=CONFIG)
    parser.add_argument('--pairs', type=int, nargs=2, default=[2, 4],
                        help='two small batches to fit the line on')
    parser.add_argument('--target', type=int, nargs='+',
                        default=[128, 256, 512], help='pairs per GPU')
    parser.add_argument('--dtype', choices=['bf16', 'fp32'], default='bf16')
    parser.add_argument('--limit-gib', type=float, default=80.0,
                        help='GPU memory to compare with (80 GB cards)')
    parser.add_argument('--tiny', action='store_true')
    args = parser.parse_args(argv)
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import vicmae_mm  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(args.config)
    if args.tiny:
        cfg.merge_from_dict(TINY_MODEL_OPTIONS)
    MMLogger.get_current_instance().setLevel('WARNING')
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).train()
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    size = cfg.model.backbone.get('img_size', 224)
    dtype = torch.bfloat16 if args.dtype == 'bf16' else None
    (b1, b2), gib = args.pairs, 2**30
    s1, s2 = (saved_bytes(model, b, size, dtype) for b in (b1, b2))
    per_pair = (s2 - s1) / (b2 - b1)
    intercept = s1 - b1 * per_pair
    fixed = 16 * n_params
    res = dict(config=osp.relpath(args.config, REPO), img_size=size,
               dtype=args.dtype, params_m=n_params / 1e6,
               fixed_gib=fixed / gib, saved_mib_per_pair=per_pair / 2**20,
               measured={b1: s1 / 2**20, b2: s2 / 2**20},
               estimate_gib={b: (fixed + intercept + b * per_pair) / gib
                             for b in args.target}, limit_gib=args.limit_gib)
    print(f'{res["config"]}, {size} px, {args.dtype} autocast on the CPU: '
          f'{res["params_m"]:.1f} M trainable parameters -> '
          f'{res["fixed_gib"]:.2f} GiB (fp32 weights, grads, AdamW); saved '
          f'activations {res["saved_mib_per_pair"]:.1f} MiB per pair')
    print('| pairs per GPU | estimated GiB (without CUDA context, '
          f'fragmentation, workspaces) | < {args.limit_gib:g} GiB |\n'
          '|---|---|---|')
    for b, est in res['estimate_gib'].items():
        fits = 'yes' if est < args.limit_gib - 2 else (
            'no' if est > args.limit_gib else 'borderline')
        print(f'| {b} | {est:.1f} | {fits} |')
    print(json.dumps(res))
    return res


if __name__ == '__main__':
    main()
