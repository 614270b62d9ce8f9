# Copyright (c) vicmae_mm contributors. All rights reserved.
"""All-gather with an exact gradient, for losses over the global batch."""
import warnings

import torch
import torch.distributed as torch_dist
from mmengine.dist import get_rank, get_world_size

# torch >= 2.14 names the single-tensor collectives *_single and deprecates
# (with a warning at every call) the *_into_tensor / *_tensor names
_ALL_GATHER = getattr(torch_dist, 'all_gather_single', None) or getattr(
    torch_dist, 'all_gather_into_tensor')
_REDUCE_SCATTER = getattr(torch_dist, 'reduce_scatter_single',
                          None) or getattr(torch_dist, 'reduce_scatter_tensor')
#: backends found without a reduce-scatter (gloo before torch 2.6 or so)
_NO_REDUCE_SCATTER = set()


def _compiling() -> bool:
    compiler = getattr(torch, 'compiler', None)  # torch >= 2.1
    return bool(getattr(compiler, 'is_compiling', lambda: False)())


class AllGatherWithGrad(torch.autograd.Function):
    """All-gather into one tensor; backward is a reduce-scatter (sum).

    Forward: every process contributes its (B, ...) tensor and receives the
    (W * B, ...) concatenation in rank order. Backward: each process holds
    the gradient of its *own* loss w.r.t. all W * B rows; the gradients are
    summed over processes and each process keeps its own B rows, which is
    one reduce-scatter. With a ring algorithm a process sends (W - 1) * B
    rows for it, half of an all-reduce of the whole (W * B, ...) gradient
    (which this function did before), and receives B rows instead of W * B.
    A backend without reduce-scatter (gloo before torch 2.6 or so; gloo in
    torch 2.14 has it) falls back to that all-reduce, with a warning.

    With this, a loss that is a *mean over the local anchors* (or a
    statistic of the gathered batch that every process computes
    identically) gives, after DDP's gradient averaging, exactly the
    gradient of the same loss computed by one process on the concatenated
    batch (tests/test_models/test_losses/test_distributed_losses.py).

    Why not mmpretrain's ``GatherLayer``: its backward keeps only
    ``grads[rank]``, the gradient of this process's own loss. That is
    enough for mmpretrain's SimCLR, where every process computes the loss
    of *all* global anchors (then the DDP average is the single-process
    gradient / W); with a loss over the local anchors, it drops the terms
    in which this process's embeddings are positives or negatives of the
    other processes' anchors, so the result is not a rescaled true gradient
    (checked in the test above).

    Why not ``torch.distributed.nn.functional.all_gather`` (same
    reduce-scatter backward on NCCL, all-to-all + sum elsewhere): torch
    2.14 deprecates it (``FutureWarning``) and it refuses to be traced by
    ``torch.compile`` (it raises when traced: ``fullgraph=True`` fails, and
    otherwise Dynamo breaks the graph around it), while this function
    compiles into the step's graph (tested with ``fullgraph=True``); the
    replacement torch suggests,
    ``torch.distributed._functional_collectives.all_gather_single``, is in
    a private module. Traffic is not a reason either way: at the flagship's
    512 pairs per GPU the gathered embeddings are 512 x 2 x 128 fp32 =
    0.5 MiB per GPU. ``tools/analysis/benchmark_gather.py`` (gloo on a
    shared 2-core CPU, forward + backward, median of 200 interleaved calls,
    two runs): W = 2: all-reduce backward 4.5 / 4.7 ms, this reduce-scatter
    4.2 / 4.6 ms, torch's function 4.5 / 5.3 ms; W = 4: 22.7, 19.8 and
    21.1 ms; next to a training step of about a second on a GPU.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous()
        out = x.new_empty((get_world_size() * x.shape[0], *x.shape[1:]))
        _ALL_GATHER(out, x)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous()
        B = grad.shape[0] // get_world_size()
        backend = str(torch_dist.get_backend())
        if backend not in _NO_REDUCE_SCATTER:
            out = grad.new_empty((B, *grad.shape[1:]))
            try:
                _REDUCE_SCATTER(out, grad)  # sum over processes, own rows
                return out
            except RuntimeError as err:  # raised on every rank alike
                if 'support' not in str(err):
                    raise
                _NO_REDUCE_SCATTER.add(backend)
                warnings.warn(f'gather_with_grad: {backend} has no '
                              f'reduce-scatter ({err}); using an all-reduce '
                              'of the whole gradient instead (same result)')
        grad = grad.clone()
        torch_dist.all_reduce(grad)  # the sum over processes, every row
        return grad[get_rank() * B:(get_rank() + 1) * B]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """Concatenate ``x`` of every process along dim 0, keeping the gradient.

    Every process must pass the same shape: the train dataloaders use
    ``drop_last=True``. In eager mode the sizes are compared first (a tiny
    all-gather and a device-to-host copy per call) and a mismatch raises a
    ``ValueError`` naming them; a compiled step skips the comparison (it
    would break the graph), so there a mismatch fails inside the collective.
    Outside a distributed run this is the identity.

    Args:
        x (torch.Tensor): The local tensor, (B, ...).

    Returns:
        torch.Tensor: The global tensor, (W * B, ...), in rank order, so the
        local rows start at ``get_rank() * B``.

    Example:
        >>> import torch
        >>> gather_with_grad(torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """
    world = get_world_size()
    if world == 1:
        return x
    if not _compiling():
        sizes = x.new_empty(world, dtype=torch.long)
        _ALL_GATHER(sizes, x.new_tensor([x.shape[0]], dtype=torch.long))
        sizes = sizes.tolist()
        if len(set(sizes)) > 1:
            raise ValueError(
                'gather_with_grad: every process must contribute the same '
                f'batch size, got {sizes} (rank {get_rank()}; mixed '
                '`num_pairs` across sources, or an uneven last batch: set '
                'drop_last=True)')
    return AllGatherWithGrad.apply(x)
