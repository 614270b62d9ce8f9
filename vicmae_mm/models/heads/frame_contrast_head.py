# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Projector (+ optional predictor) and a contrastive loss over frames."""
import inspect
import logging
from typing import Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmpretrain.models.necks import NonLinearNeck
from mmpretrain.registry import MODELS
from torch import nn


def project_frames(net: nn.Module, x: torch.Tensor,
                   num_frames: int) -> torch.Tensor:
    """Apply a projector to T frames at once, BatchNorm statistics per frame.

    For mmpretrain's :class:`NonLinearNeck` (fc-bn-[relu-fc-bn]...) every
    Linear runs once on all ``T * B`` rows and every BatchNorm once per frame
    (the module itself, so ``SyncBN`` keeps its cross-process statistics and
    the running statistics are updated frame after frame, as before). This
    is the same function as calling the neck once per frame, but a 4096 x
    4096 weight is read once instead of T times and its gradient is one
    product instead of T products plus T - 1 sums: on CPU the per-frame
    calls made the ViT-S ViC-MAE step 10-15 % slower than MAE's
    (``tools/analysis/benchmark_train.py --profile``). Any other module is
    called once per frame.

    Args:
        net (nn.Module): The projector (or predictor); called as
            ``net((x, ))[0]``.
        x (torch.Tensor): Features of the T frames, frame-major:
            (T * B, C).
        num_frames (int): T.

    Returns:
        torch.Tensor: Projections, frame-major, (T * B, D).

    Example:
        >>> import torch
        >>> neck = NonLinearNeck(8, 16, 4, with_avg_pool=False,
        ...                      norm_cfg=dict(type='BN1d'))
        >>> project_frames(neck, torch.randn(6, 8), 2).shape
        torch.Size([6, 4])
    """
    if not isinstance(net, NonLinearNeck) or net.with_avg_pool:
        return torch.cat([net((f, ))[0] for f in x.chunk(num_frames)])

    def per_frame(norm: nn.Module, y: torch.Tensor) -> torch.Tensor:
        return torch.cat([norm(f) for f in y.chunk(num_frames)])

    x = per_frame(net.bn0, net.fc0(x))
    for fc_name, bn_name in zip(net.fc_names, net.bn_names):
        x = getattr(net, fc_name)(net.relu(x))
        if bn_name is not None:
            x = per_frame(getattr(net, bn_name), x)
    return x


@MODELS.register_module()
class FrameContrastHead(BaseModule):
    """Project the pooled feature of every frame and contrast the frames.

    BatchNorm statistics in the projector (and the predictor, if any) are
    computed per frame, as in the authors' code, which calls the projector
    once per frame; :func:`project_frames` computes the same function with
    one matrix product per layer for all frames. With the configs'
    ``norm_cfg=dict(type='SyncBN')`` those statistics are over the frame's
    *global* batch (the authors' plain BN uses the per-GPU batch);
    ``norm_cfg=dict(type='BN1d')`` restores per-GPU statistics and saves the
    SyncBN all-reduces.

    Args:
        projector (dict): Config of the projector, normally mmpretrain's
            ``NonLinearNeck(num_layers=3, with_bias=True,
            with_last_bias=True, with_last_bn=False, with_avg_pool=False)``
            (D-4096-BN-ReLU-4096-BN-ReLU-128).
        loss (dict): Config of the loss module, called as
            ``loss(z, p)`` with z, p of shape (B, T, D). Options:
            ``InfoNCELoss`` (default), ``SimSiamLoss``, ``VICRegLoss``;
            called with ``video_id=`` when the batch has video ids (a loss
            whose ``forward`` takes no ``video_id`` is called without, with
            a warning when the head is built).
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
        >>> head.loss(torch.randn(2, 6, 8)).shape  # (T, B, C) works too
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
        params = inspect.signature(self.loss_module.forward).parameters
        self.loss_takes_ids = 'video_id' in params or any(
            p.kind is p.VAR_KEYWORD for p in params.values())
        if not self.loss_takes_ids:
            print_log(
                f'FrameContrastHead: {type(self.loss_module).__name__}.'
                'forward takes no `video_id`, so pairs of one video in a '
                'batch (num_pairs > 1, shards) reach it as separate videos',
                logger='current', level=logging.WARNING)

    def forward(
            self, feats: Union[torch.Tensor,
                               Sequence[torch.Tensor]]) -> torch.Tensor:
        """Project each frame's feature (BatchNorm statistics per frame).

        Args:
            feats (torch.Tensor | Sequence[torch.Tensor]): T pooled
                features, each (B, C), or one (T, B, C) tensor.

        Returns:
            torch.Tensor: Projections, (B, T, D).
        """
        if isinstance(feats, torch.Tensor):
            T, B = feats.shape[:2]
            x = feats.reshape(T * B, -1)  # a view for the model's input
        else:
            T, B = len(feats), feats[0].shape[0]
            x = torch.cat(list(feats))  # (T*B, C), frame-major
        z = project_frames(self.projector, x, T)
        return z.view(T, B, -1).transpose(0, 1)  # (B, T, D)

    def loss(self,
             feats: Union[torch.Tensor, Sequence[torch.Tensor]],
             video_id: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Contrastive loss of T pooled frame features of B pairs.

        Args:
            feats (torch.Tensor | Sequence[torch.Tensor]): T tensors of
                shape (B, C), or one (T, B, C) tensor; row b of every frame
                comes from pair b.
            video_id (torch.Tensor, optional): (B, ) int64, equal for pairs
                of one video (``PackFramePairs``); passed to the loss
                module. None: every pair is its own video.

        Returns:
            torch.Tensor: The (unweighted) scalar loss.
        """
        z = self(feats)  # (B, T, D)
        p = None
        if self.predictor is not None:
            B, T = z.shape[:2]
            zt = z.transpose(0, 1).reshape(T * B, -1)  # frame-major rows
            p = project_frames(self.predictor, zt, T)
            p = p.view(T, B, -1).transpose(0, 1)  # (B, T, D)
        if video_id is None or not self.loss_takes_ids:
            return self.loss_module(z, p)
        return self.loss_module(z, p, video_id=video_id)
