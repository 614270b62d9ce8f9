# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Time the contrastive all-gather with gradient, three implementations.

W gloo processes on this machine (CPU) gather (B, T, D) fp32 embeddings
with gradient and back-propagate a random linear function of them; the
median time of forward + backward per call on rank 0 is printed for

- ``reduce_scatter``: ``vicmae_mm.models.utils.AllGatherWithGrad`` (one
  all-gather into a tensor, reduce-scatter backward);
- ``all_reduce``: the previous version (list all-gather + cat, all-reduce
  of the whole (W, B, ...) gradient, own slice kept);
- ``torch``: ``torch.distributed.nn.functional.all_gather`` + cat.

Defaults: the flagship's 512 pairs per GPU, T = 2, D = 128. Bytes a process
sends in the backward with ring algorithms: all-reduce 2 (W - 1) B T D x 4,
reduce-scatter (W - 1) B T D x 4. gloo on one CPU says little about NCCL
over NVLink; the point is the order of magnitude next to a training step.

Example::

    python tools/analysis/benchmark_gather.py --world-size 2 --calls 200
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time
import warnings

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class _AllReduceGather(torch.autograd.Function):
    """The previous implementation, kept here as the baseline."""

    @staticmethod
    def forward(ctx, x):
        out = [torch.zeros_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(out, x.contiguous())
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        all_grads = torch.stack(grads)
        dist.all_reduce(all_grads)
        return all_grads[dist.get_rank()]


def _impls():
    from torch.distributed.nn.functional import all_gather

    from vicmae_mm.models.utils import AllGatherWithGrad
    return dict(
        reduce_scatter=AllGatherWithGrad.apply,
        all_reduce=lambda x: torch.cat(_AllReduceGather.apply(x)),
        torch=lambda x: torch.cat(all_gather(x)))


def _worker(rank, args, init, out):
    sys.path.insert(0, REPO)
    dist.init_process_group('gloo', init_method=f'file://{init}', rank=rank,
                            world_size=args.world_size)
    torch.set_num_threads(1)
    warnings.simplefilter('ignore', FutureWarning)  # torch's, every call
    x = torch.randn(args.batch, args.frames, args.dim, requires_grad=True)
    w = torch.randn(args.world_size * args.batch, args.frames, args.dim)
    impls = _impls()
    times = {name: [] for name in impls}
    grads = {}
    for i in range(args.warmup + args.calls):  # interleaved: same load
        for name, fn in impls.items():
            dist.barrier()
            t0 = time.perf_counter()
            (fn(x) * w).sum().backward()
            times[name].append(time.perf_counter() - t0)
            grads[name], x.grad = x.grad, None
    res = {name: dict(ms=1e3 * statistics.median(t[args.warmup:]),
                      grad=grads[name]) for name, t in times.items()}
    if rank == 0:
        ref = res['all_reduce']['grad']
        torch.save({k: dict(ms=v['ms'], same_grad=bool(torch.allclose(
            v['grad'], ref, atol=1e-5))) for k, v in res.items()}, out)
    dist.destroy_process_group()
    # with mmpretrain's models imported, a spawned gloo process sometimes
    # aborts in C++ static destructors at exit ('terminate called without an
    # active exception', SIGABRT, 2-4 runs in 10 on torch 2.14); the work is
    # done and saved, so leave without them
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--world-size', type=int, default=2)
    parser.add_argument('--batch', type=int, default=512, help='pairs/GPU')
    parser.add_argument('--frames', type=int, default=2)
    parser.add_argument('--dim', type=int, default=128)
    parser.add_argument('--calls', type=int, default=200)
    parser.add_argument('--warmup', type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'res.pt')
        mp.spawn(_worker, args=(args, os.path.join(tmp, 'init'), out),
                 nprocs=args.world_size, join=True)
        res = torch.load(out)
    rows = args.batch * args.frames * args.dim * 4 * (args.world_size - 1)
    res.update(vars(args), all_reduce_sent_mb=2 * rows / 2**20,
               reduce_scatter_sent_mb=rows / 2**20)
    print(f'gloo, W={args.world_size}, ({args.batch}, {args.frames}, '
          f'{args.dim}) fp32 per process, median of {args.calls} interleaved '
          'calls:')
    for name in ('all_reduce', 'reduce_scatter', 'torch'):
        print(f'  {name:15s} {res[name]["ms"]:7.2f} ms  (same gradient: '
              f'{res[name]["same_grad"]})')
    print(json.dumps(res))
    return res


if __name__ == '__main__':
    main()
