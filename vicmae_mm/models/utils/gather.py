# Copyright (c) vicmae_mm contributors. All rights reserved.
"""All-gather with an exact gradient, for losses over the global batch."""
from typing import Tuple

import torch
import torch.distributed as torch_dist
from mmengine.dist import get_rank, get_world_size


class AllGatherWithGrad(torch.autograd.Function):
    """All-gather whose backward sums the gradients of every process.

    Forward: every process contributes its (B, ...) tensor and receives the
    W tensors of all processes. Backward: each process holds the gradient of
    its *own* loss with respect to all W gathered tensors; these are summed
    over processes (``all_reduce``) and each process keeps its own slice.

    Why not mmpretrain's ``GatherLayer``: it returns only ``grads[rank]``
    without the sum, which drops the gradient that other processes' losses
    send to this process's embeddings, so after DDP averaging the gradient is
    exactly ``1 / world_size`` of the single-process gradient.

    With this function, a loss that is a *mean over the local anchors* (or a
    statistic of the gathered batch that every process computes identically)
    gives, after DDP's gradient averaging, exactly the gradient of the same
    loss computed by one process on the concatenated batch.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        out = [torch.zeros_like(x) for _ in range(get_world_size())]
        torch_dist.all_gather(out, x.contiguous())
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads: torch.Tensor) -> torch.Tensor:
        all_grads = torch.stack(grads)  # (W, B, ...)
        torch_dist.all_reduce(all_grads)  # sum over processes
        return all_grads[get_rank()]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """Concatenate ``x`` of every process along dim 0, keeping the gradient.

    Every process must pass the same shape: the train dataloaders use
    ``drop_last=True``; a mismatch raises a ``ValueError`` naming the sizes.
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
    if get_world_size() == 1:
        return x
    sizes = [torch.zeros(1, dtype=torch.long, device=x.device)
             for _ in range(get_world_size())]
    torch_dist.all_gather(sizes, x.new_tensor([x.shape[0]], dtype=torch.long))
    if len({int(s) for s in sizes}) > 1:
        raise ValueError(
            'gather_with_grad: every process must contribute the same batch '
            f'size, got {[int(s) for s in sizes]} (mixed `num_pairs` '
            'across sources, or an uneven last batch: set drop_last=True)')
    return torch.cat(AllGatherWithGrad.apply(x), dim=0)
