# Copyright (c) vicmae_mm contributors. All rights reserved.
"""mmaction2's VideoMAE ViT with the image encoder's CLS token and norm."""
from typing import Literal

import torch
from mmaction.models.backbones import VisionTransformer
from mmaction.registry import MODELS
from mmpretrain.models.utils import resize_pos_embed
from torch import Tensor, nn

OutType = Literal['avg_featmap', 'cls_token', 'featmap']


@MODELS.register_module()
class ClsTokenVideoViT(VisionTransformer):
    """Space-time ViT that keeps the CLS token of an image ViT.

    Registered in **mmaction2's** ``MODELS`` (``type='ClsTokenVideoViT'``
    under ``default_scope='mmaction'``). It is mmaction's VideoMAE-style
    :class:`mmaction.models.backbones.VisionTransformer` (same
    ``patch_embed``, ``pos_embed``, ``blocks``; joint attention over the
    tokens of all frames) with what a ViC-MAE / MAE image encoder has and
    mmaction's ViT lacks:

    - a CLS token in front of the patch tokens. ``cls_token`` holds the
      token *plus* its position embedding (``pos_embed`` keeps mmaction's
      (1, T' * N, C) layout without a CLS entry);
    - the final LayerNorm over every token (``norm``, the image ViT's
      ``ln1``) instead of ``fc_norm`` over the mean of un-normalised
      tokens.

    So for one temporal step (``num_frames == tubelet_size``, static
    frames) the output equals the image encoder's exactly, which the
    CLS-free mmaction ViT cannot do: dropping the token changes every
    attention row. Weights: ``tools/model_converters/vicmae_to_mmaction.py
    --route spacetime --cls-token`` (or ``--config`` on a config using this
    backbone).

    Only :meth:`forward` is overridden: mmaction's forward has no step
    between adding the position embedding and the blocks where the CLS
    token could be inserted, and pools before the norm. Position
    embeddings of other input sizes are resized per time step with
    mmpretrain's ``resize_pos_embed``.

    Args:
        out_type (str): Output: 'avg_featmap' (mean of the normalised patch
            tokens, ViC-MAE's pooling), 'cls_token' (the normalised CLS
            token) or 'featmap' (normalised patch tokens as a
            (B, C, T', H', W') map). Defaults to 'avg_featmap'.
        **kwargs: Other arguments of mmaction's ``VisionTransformer``
            (``img_size``, ``patch_size``, ``embed_dims``, ``depth``,
            ``num_heads``, ``num_frames``, ``tubelet_size`` (default 2),
            ``use_learnable_pos_emb``, ``drop_path_rate``, ``norm_cfg``,
            ``init_cfg``...). ``use_mean_pooling`` and ``return_feat_map``
            are replaced by ``out_type``.

    Example:
        >>> import torch
        >>> vit = ClsTokenVideoViT(img_size=32, patch_size=8, embed_dims=32,
        ...                        depth=2, num_heads=2, num_frames=4,
        ...                        tubelet_size=2)
        >>> vit(torch.rand(2, 3, 4, 32, 32)).shape
        torch.Size([2, 32])
        >>> vit.out_type = 'featmap'
        >>> vit(torch.rand(2, 3, 4, 32, 32)).shape
        torch.Size([2, 32, 2, 4, 4])
    """

    OUT_TYPES = ('avg_featmap', 'cls_token', 'featmap')

    def __init__(self, out_type: OutType = 'avg_featmap', **kwargs) -> None:
        if out_type not in self.OUT_TYPES:
            raise ValueError(f'ClsTokenVideoViT: out_type must be one of '
                             f'{self.OUT_TYPES}, got {out_type!r}')
        for key in ('use_mean_pooling', 'return_feat_map'):
            if kwargs.pop(key, None):
                raise ValueError(f'ClsTokenVideoViT: {key} is replaced by '
                                 "out_type ('avg_featmap' / 'featmap')")
        # use_mean_pooling=False: `norm` is a LayerNorm over every token
        super().__init__(use_mean_pooling=False, **kwargs)
        self.out_type = out_type
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        nn.init.trunc_normal_(self.cls_token, std=.02)

    def _pos_embed(self, grid: tuple) -> Tensor:
        """The (1, T' * h * w, C) position embedding for a ``grid``."""
        if tuple(grid) == tuple(self.grid_size):
            return self.pos_embed
        # (1, T' * H * W, C) -> T' x (1, H * W, C), resized one step at a time
        steps = self.pos_embed.split(self.grid_size[0] * self.grid_size[1],
                                     dim=1)
        return torch.cat([
            resize_pos_embed(
                step, self.grid_size, grid, mode='bicubic', num_extra_tokens=0)
            for step in steps
        ],
                         dim=1)  # (1, T' * h * w, C)

    def forward(self, x: Tensor) -> Tensor:
        """Encode a clip.

        Args:
            x (Tensor): Clips, (B, C, T, H, W) with ``T = num_frames``.

        Returns:
            Tensor: (B, C) for 'avg_featmap' and 'cls_token',
            (B, C, T', H / p, W / p) for 'featmap' (T' = T / tubelet).
        """
        b, _, _, h, w = x.shape
        grid = (h // self.patch_size, w // self.patch_size)
        tokens = self.patch_embed(x)[0]  # (B, T' * h * w, C), time outer
        tokens = tokens + self._pos_embed(grid)
        x = torch.cat([self.cls_token.expand(b, -1, -1), tokens], dim=1)
        x = self.pos_drop(x)
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)  # (B, 1 + T' * h * w, C), every token normalised
        if self.out_type == 'cls_token':
            return x[:, 0]
        if self.out_type == 'avg_featmap':
            return x[:, 1:].mean(dim=1)
        # (B, T' * h * w, C) -> (B, C, T', h, w)
        return x[:, 1:].reshape(b, -1, *grid,
                                self.embed_dims).permute(0, 4, 1, 2, 3)
