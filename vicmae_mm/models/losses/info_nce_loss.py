# Copyright (c) vicmae_mm contributors. All rights reserved.
"""InfoNCE (NT-Xent) over the global batch, T >= 2 frames per video."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.dist import get_rank
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import frame_dims, gather_with_grad


@MODELS.register_module()
class InfoNCELoss(BaseModule):
    """InfoNCE / NT-Xent with the other frames of a video as positives.

    The B x T local embeddings are L2-normalised and all-gathered **with
    gradient** (:func:`gather_with_grad`) into N x T global ones (N = W * B).
    Every local embedding is an anchor; its logits are the cosine
    similarities / ``temperature`` to all N * T - 1 other embeddings (itself
    removed). Its positives are the T - 1 other frames of the same video;
    every other embedding of the global batch is a negative. With T > 2 each
    positive gives a separate cross-entropy term and the other positives stay
    in the denominator (SupCon's L_out form): the loss of an anchor is the
    mean over its positives of ``-log softmax``. For T = 2 this is exactly
    SimCLR's NT-Xent over 2N embeddings.

    Distributed: anchors and positive indexes are offset by
    ``rank * B`` videos, and each process returns the mean over its *local*
    anchors. Because the gather's backward sums gradients over processes,
    DDP's gradient averaging then yields exactly the gradient of the loss a
    single process computes on the concatenated batch, and the mean of the
    per-process losses equals that loss.

    Args:
        temperature (float): Softmax temperature. Defaults to 0.1.

    Example:
        >>> import torch
        >>> loss = InfoNCELoss(temperature=0.1)
        >>> loss(torch.randn(4, 2, 16)).shape
        torch.Size([])
    """

    def __init__(self, temperature: float = 0.1) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(
                f'InfoNCELoss: temperature must be > 0, got {temperature}')
        self.temperature = temperature

    def forward(self,
                z: torch.Tensor,
                p: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            z (torch.Tensor): Projections, (B, T, D), T >= 2.
            p (torch.Tensor, optional): Unused (predictor outputs).

        Returns:
            torch.Tensor: Scalar loss, mean over the local B * T anchors.
        """
        B, T, D = frame_dims(z, 'InfoNCELoss')
        # fp32 even under bf16 autocast: logits up to 1 / temperature would
        # otherwise carry errors of a few hundredths
        with torch.autocast(device_type=z.device.type, enabled=False):
            z = F.normalize(
                z.to(torch.promote_types(z.dtype, torch.float32)), dim=-1)
            z_all = gather_with_grad(z)  # (N, T, D), local rows at rank * B
            anchors = z.reshape(B * T, D)
            logits = anchors @ z_all.reshape(-1, D).t() / self.temperature
        # (B*T, N*T); column c is frame c % T of video c // T
        cols = torch.arange(logits.shape[1], device=z.device)
        video = torch.arange(B, device=z.device) + get_rank() * B
        self_idx = (video[:, None] * T +
                    torch.arange(T, device=z.device)).reshape(-1)  # (B*T,)
        is_self = cols[None] == self_idx[:, None]
        is_pos = (cols[None] // T == self_idx[:, None] // T) & ~is_self
        log_prob = logits.masked_fill(is_self, float('-inf')).log_softmax(1)
        pos_log_prob = log_prob.masked_fill(~is_pos, 0.).sum(1) / (T - 1)
        return -pos_log_prob.mean()
