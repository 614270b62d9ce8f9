# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Masked ViT encoder of ViC-MAE."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.selfsup.mae import MAEViT
from mmpretrain.registry import MODELS


@MODELS.register_module()
class VicMAEViT(MAEViT):
    """MAE ViT encoder with ViC-MAE's defaults and a correct unmasked path.

    Identical to mmpretrain's :class:`MAEViT` (CLS token, fixed 2-D sin-cos
    position embedding, final LayerNorm, only the visible tokens are encoded;
    state-dict keys identical to :class:`VisionTransformer`) except that

    - the default mask ratio is 0.5 (ViC-MAE) and it is validated;
    - ``forward(x, mask=False)`` really skips masking (``MAEViT`` tests
      ``mask is None or False``, so ``mask=False`` still masked);
    - the two output contracts have named methods: :meth:`forward_masked`
      (training) and :meth:`forward_features` (evaluation);
    - the stochastic-depth rates are Python floats
      (:func:`python_drop_probs`), so ``torch.compile`` traces each block
      in one graph.

    Each call draws new uniform noise per sample, so encoding two frames with
    two calls gives independent masks. Mask convention: 0 = keep,
    1 = removed.

    Args:
        arch (str | dict): ViT architecture: 'deit-s' (384/12/6; note
            that mmpretrain's 's' is 768/8/8), 'b'/'base',
            'l'/'large', 'h'/'huge', ..., or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads`` and ``feedforward_channels``.
            Defaults to 'b'.
        img_size (int | tuple): Input size; the masked path needs exactly
            this size. Defaults to 224.
        patch_size (int): Patch size. Defaults to 16.
        mask_ratio (float): Fraction of patches removed, in (0, 1).
            Defaults to 0.5.
        **kwargs: Other arguments of :class:`MAEViT` (``drop_path_rate``,
            ``norm_cfg``, ``out_type``, ``init_cfg``, ...).

    Example:
        >>> import torch
        >>> arch = dict(embed_dims=32, num_layers=2, num_heads=2,
        ...             feedforward_channels=64)
        >>> vit = VicMAEViT(arch=arch, img_size=32, patch_size=8)
        >>> latent, mask, ids_restore = vit(torch.rand(2, 3, 32, 32))
        >>> latent.shape, mask.shape, ids_restore.shape
        (torch.Size([2, 9, 32]), torch.Size([2, 16]), torch.Size([2, 16]))
        >>> vit(torch.rand(2, 3, 32, 32), mask=False)[0].shape
        torch.Size([2, 17, 32])
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: Union[int, Sequence[int]] = 224,
                 patch_size: int = 16,
                 mask_ratio: float = 0.5,
                 **kwargs) -> None:
        if not 0.0 < float(mask_ratio) < 1.0:
            raise ValueError('VicMAEViT: mask_ratio must be in (0, 1) '
                             f'(exclusive), got {mask_ratio!r}')
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            mask_ratio=float(mask_ratio),
            **kwargs)
        python_drop_probs(self)
        if int(self.num_patches * (1 - self.mask_ratio)) < 1:
            raise ValueError(
                f'VicMAEViT: mask_ratio={mask_ratio} keeps no patch out of '
                f'{self.num_patches}')

    def train(self, mode: bool = True) -> 'VicMAEViT':
        """Set train/eval mode and return self (mmpretrain's returns None,
        which breaks ``vit.eval()`` chaining)."""
        super().train(mode)
        return self

    def forward_masked(
            self, x: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode the visible patches of a randomly masked image.

        Args:
            x (torch.Tensor): Images, (B, C, H, W) with (H, W) = img_size.

        Returns:
            Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:

            - latent (B, 1 + L_vis, C): CLS then visible tokens, after the
              final norm, in shuffled (kept) order.
            - mask (B, L) float: 0 = keep, 1 = removed.
            - ids_restore (B, L) long: unshuffles the token order.
        """
        if tuple(x.shape[-2:]) != tuple(self.img_size):
            raise ValueError(
                f'VicMAEViT: the masked path needs inputs of img_size '
                f'{tuple(self.img_size)}, got {tuple(x.shape)}')
        return super().forward(x, mask=True)

    def forward_features(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        """Encode all patches (no masking), as :class:`VisionTransformer`.

        Args:
            x (torch.Tensor): Images, (B, C, H, W).

        Returns:
            Tuple[torch.Tensor]: with ``out_type='raw'`` (default) one
            (B, 1 + L, C) tensor per ``out_indices`` entry.
        """
        return VisionTransformer.forward(self, x)

    def forward(self,
                x: torch.Tensor,
                mask: Optional[bool] = True) -> Union[Tuple, List]:
        """Masked path if ``mask`` is True, else the unmasked path.

        Args:
            x (torch.Tensor): Images, (B, C, H, W).
            mask (bool, optional): ``True`` -> :meth:`forward_masked`;
                ``None`` or ``False`` -> :meth:`forward_features`.
                Defaults to True.
        """
        if mask is None or mask is False:
            return self.forward_features(x)
        return self.forward_masked(x)


def python_drop_probs(module: torch.nn.Module) -> int:
    """Turn numpy ``drop_prob`` attributes of the submodules into floats.

    mmpretrain's :class:`VisionTransformer` passes ``np.linspace`` values as
    the ``DropPath`` rates; Dynamo treats a numpy scalar as a tensor, so
    mmcv's ``if drop_prob == 0.`` becomes a data-dependent branch and every
    block breaks the compiled graph (twice). Same values, as floats.

    Args:
        module (torch.nn.Module): Model or backbone, changed in place.

    Returns:
        int: The number of attributes converted.

    Example:
        >>> import numpy as np
        >>> m = torch.nn.Module()
        >>> m.drop_prob = np.float64(0.1)
        >>> python_drop_probs(m), type(m.drop_prob)
        (1, <class 'float'>)
    """
    count = 0
    for m in module.modules():
        if isinstance(getattr(m, 'drop_prob', None), np.generic):
            m.drop_prob = float(m.drop_prob)
            count += 1
    return count
