# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE pre-training algorithm."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class ViCMAE(BaseSelfSupervisor):
    """ViC-MAE: contrastive masked autoencoders on video frames.

    Implementation of `ViC-MAE: Self-Supervised Representation Learning from
    Images and Video with Contrastive Masked Autoencoders
    <https://arxiv.org/abs/2303.12001>`_.

    Each frame is masked independently and encoded; each frame is
    reconstructed (MAE); the visible tokens of each frame are pooled,
    projected and contrasted across frames:
    ``recon_weight * mean_t(loss_recon_t) + contrast_weight * loss_contrast``.

    Input contract: ``inputs`` is a list of T >= 2 tensors (B, C, H, W)
    (frame t of the B videos, already normalised by the data preprocessor),
    or one tensor (B, T, C, H, W).

    Args:
        backbone (dict): Masked encoder config (``VicMAEViT``).
        neck (dict): Pooling neck config (``TokenPoolNeck``).
        recon_head (dict): Reconstruction head config (``MAEReconHead``).
        contrast_head (dict): Contrastive head config
            (``FrameContrastHead``).
        recon_weight (float): Weight of the reconstruction loss.
            Defaults to 0.97.
        contrast_weight (float): Initial weight of the contrastive loss,
            kept in the 0-dim buffer ``contrast_weight`` (not saved in the
            state dict) that :class:`ContrastWeightHook` updates in place
            before every iteration, so a compiled step reads it as a tensor
            input and never recompiles for a new value. Defaults to 0.03
            (the final weight).
        pretrained (str, optional): Checkpoint to initialise from.
            Defaults to None.
        data_preprocessor (dict, optional): Defaults to
            ``SelfSupDataPreprocessor``.
        init_cfg (dict | list, optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 recon_head: dict,
                 contrast_head: dict,
                 recon_weight: float = 0.97,
                 contrast_weight: float = 0.03,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.recon_head = MODELS.build(recon_head)
        self.contrast_head = MODELS.build(contrast_head)
        self.recon_weight = float(recon_weight)
        # Not persistent: the weight is a function of the iteration that the
        # hook recomputes before every iteration, also right after a resume
        # (mmengine loads the state dict before the first hook call), so a
        # checkpoint needs no copy of it, and state dicts keep the keys of
        # the authors' and mmpretrain's models.
        self.register_buffer(
            'contrast_weight',
            torch.tensor(float(contrast_weight)),
            persistent=False)

    def extract_feat(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """Pooled features of the unmasked encoder, for evaluation.

        Args:
            inputs (torch.Tensor): Images, (B, C, H, W).

        Returns:
            Tuple[torch.Tensor]: One (B, C) tensor (all patch tokens pooled
            by the neck).
        """
        if not isinstance(inputs, torch.Tensor) or inputs.dim() != 4:
            raise ValueError('ViCMAE.extract_feat expects one (B, C, H, W) '
                             f'tensor, got {_describe(inputs)}')
        return self.neck(self.backbone(inputs, mask=None))

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor',
                video_id: Optional[torch.Tensor] = None):
        """``BaseSelfSupervisor.forward`` that takes ``video_id`` too.

        ``FramePairDataPreprocessor`` returns ``video_id`` beside ``inputs``
        and ``data_samples``, and ``train_step`` calls
        ``model(**data, mode='loss')``.

        Args:
            inputs (List[torch.Tensor] | torch.Tensor): See :meth:`loss`.
            data_samples (List[DataSample], optional): Unused.
            mode (str): ``'tensor'`` or ``'loss'``. Defaults to 'tensor'.
            video_id (torch.Tensor, optional): (B, ), see :meth:`loss`.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples, video_id=video_id)
        return super().forward(inputs, data_samples, mode)

    def loss(self,
             inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: Optional[List[DataSample]] = None,
             video_id: Optional[torch.Tensor] = None,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Compute the weighted losses and the log values.

        Args:
            inputs (List[torch.Tensor] | torch.Tensor): T frames, each
                (B, C, H, W), or (B, T, C, H, W).
            data_samples (List[DataSample], optional): Unused.
            video_id (torch.Tensor, optional): (B, ) int64: rows with one
                id are pairs of one video, not each other's negatives
                (``InfoNCELoss(same_video=...)``). None: every row is its
                own video.

        Returns:
            Dict[str, torch.Tensor]: ``loss_recon``, ``loss_contrast``
            (weighted) and the logged ``raw_recon``, ``raw_contrast`` and
            ``contrast_weight`` (the weight actually used).
        """
        frames = split_frames(inputs)  # T x (B, C, H, W)
        T, B = len(frames), frames[0].shape[0]
        # All frames in one (T*B) batch: masks are drawn per sample, so each
        # frame still gets its own independent mask, and the encoder and
        # decoder (LayerNorm only) treat samples independently.
        x = torch.cat(frames)
        latent, mask, ids_restore = self.backbone(x)
        pred = self.recon_head(latent, ids_restore)
        # every frame has the same number of masked patches, so the masked
        # mean over the T*B samples is the mean of the T per-frame losses
        raw_recon = self.recon_head.loss(pred, x, mask)
        # visible tokens pooled, (T*B, C) -> (T, B, C) for the projector
        # (BatchNorm statistics per frame)
        pooled = self.neck((latent, ))[0].unflatten(0, (T, B))
        raw_contrast = self.contrast_head.loss(pooled, video_id=video_id)
        # a tensor, never a Python float: no recompilation when it changes
        w_c = self.contrast_weight
        return dict(
            loss_recon=self.recon_weight * raw_recon,
            loss_contrast=w_c * raw_contrast,
            raw_recon=raw_recon.detach(),
            raw_contrast=raw_contrast.detach(),
            contrast_weight=w_c.detach().clone())

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """Layer depth of a parameter, for layer-wise lr decay.

        Args:
            param_name (str): Name of the parameter in this model.

        Returns:
            Tuple[int, int]: The layer depth and the number of layers.
        """
        return self.backbone.get_layer_depth(param_name, 'backbone.')


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f'a tensor of shape {tuple(x.shape)}'
    if isinstance(x, (list, tuple)):
        return f'a {type(x).__name__} of {len(x)} items'
    return repr(type(x))


def split_frames(
    inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
) -> List[torch.Tensor]:
    """Turn the model input into a list of T >= 2 frame batches.

    Args:
        inputs (torch.Tensor | Sequence[torch.Tensor]): (B, T, C, H, W) or
            T tensors of shape (B, C, H, W).

    Returns:
        List[torch.Tensor]: T tensors of shape (B, C, H, W).

    Example:
        >>> import torch
        >>> [f.shape for f in split_frames(torch.zeros(2, 3, 1, 4, 4))][0]
        torch.Size([2, 1, 4, 4])
    """
    if isinstance(inputs, torch.Tensor):
        if inputs.dim() != 5:
            raise ValueError('ViCMAE expects frames as (B, T, C, H, W) or a '
                             f'list of (B, C, H, W), got {_describe(inputs)}')
        frames = list(inputs.unbind(dim=1))
    elif isinstance(inputs, (list, tuple)):
        frames = list(inputs)
    else:
        raise ValueError(f'ViCMAE: unsupported inputs {_describe(inputs)}')
    if len(frames) < 2:
        raise ValueError(f'ViCMAE needs T >= 2 frames, got {len(frames)}')
    shapes = [tuple(f.shape) for f in frames]
    if any(f.dim() != 4 for f in frames) or len(set(shapes)) != 1:
        raise ValueError('ViCMAE: frames must all be (B, C, H, W) tensors of '
                         f'the same size, got shapes {shapes}')
    return frames
