# Copyright (c) vicmae_mm contributors. All rights reserved.
"""SimSiam loss over T >= 2 frames (predictor + stop-gradient)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import frame_dims


@MODELS.register_module()
class SimSiamLoss(BaseModule):
    """Symmetrised negative cosine similarity with stop-gradient.

    ``D(p_t, z_s) = -cos(p_t, stopgrad(z_s))`` averaged over the batch and
    over all ordered frame pairs t != s; for T = 2 this is SimSiam's
    ``0.5 * D(p1, z2) + 0.5 * D(p2, z1)``. No negatives, so no gather is
    needed (a local batch mean gives the exact gradient under DDP).
    The predictor lives in :class:`FrameContrastHead` (``predictor=``).
    ``video_id`` changes nothing: each row is compared with its own frames
    only, so pairs of one video in a batch (``num_pairs > 1``) are never
    pushed apart here.

    Example:
        >>> import torch
        >>> z = torch.randn(4, 1, 8).expand(4, 2, 8)  # identical frames
        >>> round(float(SimSiamLoss()(z, z)), 4)
        -1.0
    """

    requires_predictor = True

    def forward(self,
                z: torch.Tensor,
                p: Optional[torch.Tensor] = None,
                video_id: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            z (torch.Tensor): Projections, (B, T, D), T >= 2.
            p (torch.Tensor): Predictions, (B, T, D).
            video_id (torch.Tensor, optional): (B, ) video ids; unused (no
                negatives).

        Returns:
            torch.Tensor: Scalar loss in [-1, 1].
        """
        if p is None:
            raise ValueError('SimSiamLoss needs predictor outputs `p`')
        T = frame_dims(z, 'SimSiamLoss')[1]
        p = F.normalize(p, dim=-1)
        z = F.normalize(z.detach(), dim=-1)  # stop-gradient on the targets
        cos = torch.einsum('btd,bsd->bts', p, z)  # (B, T, T)
        off_diag = ~torch.eye(T, dtype=torch.bool, device=z.device)
        return -cos[:, off_diag].mean()
