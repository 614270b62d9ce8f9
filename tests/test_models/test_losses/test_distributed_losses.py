# Copyright (c) vicmae_mm contributors. All rights reserved.
"""2-process gloo run == one process on the concatenated batch.

Each process computes the loss of its local B videos (global negatives and
statistics via the gather with gradient). DDP averages parameter gradients
over the W processes; the test does that averaging explicitly
(all_reduce / W) and compares with the single-process gradient of the
same loss on the 2B videos. The mean of the per-process losses must equal
the single-process loss, and the gradient w.r.t. each process's own inputs
must be W times the single-process one (the DDP average divides by W).

The same holds when the backend has no reduce-scatter (the gather's
all-reduce fallback, forced here); with mmpretrain's ``GatherLayer`` in its
place the InfoNCE gradient is *not* a rescaled single-process gradient. The
gather also compiles with ``fullgraph=True`` and gives the eager gradient.
"""

import pytest
import torch
import torch.distributed as dist
from rank_checks import assert_ranks_match_one_process, run_ranks

W, B, T, DIN, D = 2, 3, 3, 6, 5
CASES = [dict(type='InfoNCELoss', temperature=0.1),
         dict(type='VICRegLoss')]


def _problem(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(W * B, T, DIN, generator=g, dtype=torch.float64)
    proj = torch.nn.Linear(DIN, D).double()
    with torch.no_grad():
        proj.weight.copy_(torch.randn(D, DIN, generator=g))
        proj.bias.copy_(torch.randn(D, generator=g))
    return x, proj


def _run(loss_cfg, x, proj):
    from mmpretrain.registry import MODELS
    x = x.clone().requires_grad_(True)
    loss = MODELS.build(loss_cfg)(proj(x))
    loss.backward()
    return loss.detach(), x.grad, proj.weight.grad


def _distributed(rank, cfg, i):
    x, proj = _problem(i)
    loss, gx, gw = _run(cfg, x[rank * B:(rank + 1) * B], proj)
    dist.all_reduce(loss)
    dist.all_reduce(gw)
    return dict(loss=loss / W, gx=gx, gw=gw / W)  # DDP mean


def _no_reduce_scatter(out, inp):
    raise RuntimeError('ProcessGroupGloo does not support reduce_scatter')


def _worker(rank):
    from mmpretrain.models.selfsup.simclr import GatherLayer
    from mmpretrain.utils import register_all_modules

    import vicmae_mm  # noqa: F401
    from vicmae_mm.models.utils import gather
    register_all_modules(init_default_scope=True)
    results = [_distributed(rank, cfg, i) for i, cfg in enumerate(CASES)]
    # the gather compiles into one graph (torch's all_gather does not)
    x = torch.randn(B, 4, requires_grad=True)
    compiled = torch.compile(lambda t: gather.gather_with_grad(t).pow(2).sum(),
                             backend='aot_eager', fullgraph=True)
    (g_compiled, ) = torch.autograd.grad(compiled(x), x)
    (g_eager, ) = torch.autograd.grad(
        gather.gather_with_grad(x).pow(2).sum(), x)
    torch.testing.assert_close(g_compiled, g_eager)
    # a backend without reduce-scatter: all-reduce fallback, with a warning
    gather._REDUCE_SCATTER = _no_reduce_scatter
    with pytest.warns(UserWarning, match='no reduce-scatter'):
        results.append(_distributed(rank, CASES[0], 0))
    # mmpretrain's GatherLayer in place of the gather (keeps grads[rank])
    gather.AllGatherWithGrad = type(
        'G', (), dict(apply=lambda x: torch.cat(GatherLayer.apply(x))))
    results.append(_distributed(rank, CASES[0], 0))
    # unequal local batches are refused with the sizes, not a hang
    try:
        gather.gather_with_grad(torch.zeros(rank + 1, 2))
        results.append('no error')
    except ValueError as err:
        results.append(str(err))
    return results


@pytest.mark.slow
def test_two_process_gloo_equals_single_process(tmp_path):
    ranks = run_ranks(_worker, W, str(tmp_path))
    from mmpretrain.utils import register_all_modules

    import vicmae_mm  # noqa: F401
    register_all_modules(init_default_scope=True)
    for i, cfg in enumerate(CASES + CASES[:1]):  # the last: the fallback
        x, proj = _problem(i % len(CASES))
        loss, gx, gw = _run(cfg, x, proj)
        assert_ranks_match_one_process([ranks[r][i] for r in range(W)],
                                       loss, gx, gw, B)
    # GatherLayer: same loss, but the input gradient lacks the other rank's
    # anchor terms, which is no common rescaling of the true gradient
    x, proj = _problem(0)
    loss, gx, _ = _run(CASES[0], x, proj)
    layer = torch.cat([ranks[r][len(CASES) + 1]['gx'] for r in range(W)])
    torch.testing.assert_close(ranks[0][len(CASES) + 1]['loss'], loss)
    scale = (layer * gx).sum() / (gx * gx).sum()  # best common factor
    assert (layer - scale * gx).norm() > 0.1 * layer.norm()
    for r in range(W):
        assert 'same batch size, got [1, 2]' in ranks[r][-1]
