# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Projector (+ optional predictor) and a contrastive loss over frames."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class FrameContrastHead(BaseModule):
    """Project the pooled feature of every frame and contrast the frames.

    The projector (and the predictor, if any) is called once per frame, so
    BatchNorm statistics are computed per frame, as in the authors' code.
    With the configs' ``norm_cfg=dict(type='SyncBN')`` those statistics are
    over the frame's *global* batch (the authors' plain BN uses the per-GPU
    batch); ``norm_cfg=dict(type='BN1d')`` restores per-GPU statistics and
    saves the SyncBN all-reduces.

    Args:
        projector (dict): Config of the projector, normally mmpretrain's
            ``NonLinearNeck(num_layers=3, with_bias=True,
            with_last_bias=True, with_last_bn=False, with_avg_pool=False)``
            (D-4096-BN-ReLU-4096-BN-ReLU-128).
        loss (dict): Config of the loss module, called as
            ``loss(z, p)`` with z, p of shape (B, T, D). Options:
            ``InfoNCELoss`` (default), ``SimSiamLoss``, ``VICRegLoss``.
            Defaults to ``dict(type='InfoNCELoss')``.
        predictor (dict, optional): Config of a predictor applied after the
            projector (needed by ``SimSiamLoss``). Defaults to None.
        init_cfg (dict, optional): Initialization config. Defaults to None.

    Example:
        >>> import torch
        >>> head = FrameContrastHead(projector=dict(
        ...     type='NonLinearNeck', in_channels=8, hid_channels=16,
        ...     out_channels=4, num_layers=3, with_bias=True,
        ...     with_last_bn=False, with_last_bias=True, with_avg_pool=False,
        ...     norm_cfg=dict(type='BN1d')))
        >>> head([torch.randn(6, 8), torch.randn(6, 8)]).shape
        torch.Size([6, 2, 4])
        >>> head.loss([torch.randn(6, 8), torch.randn(6, 8)]).shape
        torch.Size([])
    """

    def __init__(self,
                 projector: dict,
                 loss: Optional[dict] = None,
                 predictor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.projector = MODELS.build(projector)
        self.predictor = None if predictor is None else MODELS.build(
            predictor)
        self.loss_module = MODELS.build(loss or dict(type='InfoNCELoss'))
        needs = getattr(self.loss_module, 'requires_predictor', False)
        if needs and self.predictor is None:
            raise ValueError(f'FrameContrastHead: {type(self.loss_module)} '
                             'needs a `predictor` config')

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """Project each frame's feature separately.

        Args:
            feats (Sequence[torch.Tensor]): T pooled features, each (B, C).

        Returns:
            torch.Tensor: Projections, (B, T, D).
        """
        return torch.stack([self.projector((f, ))[0] for f in feats], dim=1)

    def loss(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """Contrastive loss of T pooled frame features of B videos.

        Args:
            feats (Sequence[torch.Tensor]): T tensors of shape (B, C); row b
                of every tensor comes from video b.

        Returns:
            torch.Tensor: The (unweighted) scalar loss.
        """
        z = self(feats)  # (B, T, D)
        p = None
        if self.predictor is not None:
            p = torch.stack(
                [self.predictor((z[:, t], ))[0] for t in range(z.shape[1])],
                dim=1)  # (B, T, D)
        return self.loss_module(z, p)
