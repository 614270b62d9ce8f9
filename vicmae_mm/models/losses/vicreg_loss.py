# Copyright (c) vicmae_mm contributors. All rights reserved.
"""VICReg loss over T >= 2 frames with global-batch statistics."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import frame_dims, gather_with_grad


@MODELS.register_module()
class VICRegLoss(BaseModule):
    """Variance-Invariance-Covariance regularisation (Bardes et al., 2022).

    - invariance: MSE between the projections of two frames of a video,
      averaged over the T(T-1)/2 frame pairs (local batch mean);
    - variance: per frame, ``mean(relu(1 - sqrt(var + eps)))`` over the
      dimensions of the *global* batch, averaged over frames;
    - covariance: per frame, sum of squared off-diagonal covariances of the
      global batch / D, summed over frames and scaled by 2 / T (so T = 2
      matches the official implementation, which sums the two branches).

    The statistics use :func:`gather_with_grad`, so with DDP the averaged
    gradient equals the single-process gradient on the concatenated batch.
    ``video_id`` changes nothing: no term compares one row with another
    (variance and covariance are statistics of each frame's batch), so pairs
    of one video in a batch (``num_pairs > 1``) are not pushed apart.

    Args:
        inv_weight (float): Invariance weight. Defaults to 25.
        var_weight (float): Variance weight. Defaults to 25.
        cov_weight (float): Covariance weight. Defaults to 1.
        eps (float): Added to the variance before the square root.
            Defaults to 1e-4.

    Example:
        >>> import torch
        >>> VICRegLoss()(torch.randn(8, 2, 4)).shape
        torch.Size([])
    """

    def __init__(self,
                 inv_weight: float = 25.0,
                 var_weight: float = 25.0,
                 cov_weight: float = 1.0,
                 eps: float = 1e-4) -> None:
        super().__init__()
        self.inv_weight = inv_weight
        self.var_weight = var_weight
        self.cov_weight = cov_weight
        self.eps = eps

    def forward(self,
                z: torch.Tensor,
                p: Optional[torch.Tensor] = None,
                video_id: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Weighted invariance, variance and covariance terms of ``z``.

        Args:
            z (torch.Tensor): Projections, (B, T, D), T >= 2; the variance
                and covariance use the global batch (N, T, D).
            p (torch.Tensor, optional): Unused (VICReg has no predictor).
            video_id (torch.Tensor, optional): (B, ) video ids; unused.

        Returns:
            torch.Tensor: Scalar ``inv_weight * mse(z_t, z_s) + var_weight *
            hinge(1 - std) + cov_weight * off-diagonal cov^2 / D``, with the
            covariance summed over frames and scaled to the 2-view sum.
        """
        B, T, D = frame_dims(z, 'VICRegLoss')
        pairs = torch.combinations(torch.arange(T), r=2)
        inv = torch.stack([F.mse_loss(z[:, i], z[:, j])
                           for i, j in pairs.tolist()]).mean()
        z_all = gather_with_grad(z)  # (N, T, D)
        z_all = z_all - z_all.mean(dim=0)
        N = z_all.shape[0]
        std = torch.sqrt(z_all.var(dim=0) + self.eps)  # (T, D)
        var = F.relu(1 - std).mean()
        cov = torch.einsum('ntd,nte->tde', z_all, z_all) / (N - 1)
        off_diag = ~torch.eye(D, dtype=torch.bool, device=z.device)
        cov = cov[:, off_diag].pow(2).sum() / D * 2 / T
        return (self.inv_weight * inv + self.var_weight * var +
                self.cov_weight * cov)
