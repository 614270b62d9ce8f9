# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Pool a token sequence into one global vector."""
from typing import Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

POOL_MODES = ('mean', 'max', 'cls')


@MODELS.register_module()
class TokenPoolNeck(BaseModule):
    """Pool (B, 1 + L, C) tokens (CLS first) into (B, C). No parameters.

    In ViC-MAE training the tokens are the output of the masked encoder, so
    'mean' and 'max' pool the *visible* patch tokens after the final norm
    (the method's default); on the unmasked path they pool all patch tokens.

    Args:
        mode (str): Pooling operator. Defaults to 'mean'. Options:

            - ``'mean'``: mean of the patch tokens, CLS excluded.
            - ``'max'``: element-wise max of the patch tokens, CLS excluded.
            - ``'cls'``: the CLS token (token 0).

    Example:
        >>> import torch
        >>> neck = TokenPoolNeck('mean')
        >>> neck((torch.rand(2, 5, 8), ))[0].shape
        torch.Size([2, 8])
    """

    def __init__(self, mode: str = 'mean') -> None:
        super().__init__()
        if mode not in POOL_MODES:
            raise ValueError(f'TokenPoolNeck: unknown pooling mode {mode!r}, '
                             f'expected one of {POOL_MODES}')
        self.mode = mode

    def forward(self, inputs: Tuple[torch.Tensor, ...]
                ) -> Tuple[torch.Tensor, ...]:
        """Pool every tensor of the tuple.

        Args:
            inputs (Tuple[torch.Tensor]): Tensors of shape (B, 1 + L, C).

        Returns:
            Tuple[torch.Tensor]: Tensors of shape (B, C).
        """
        if not isinstance(inputs, (tuple, list)):
            raise TypeError('TokenPoolNeck expects a tuple of (B, 1+L, C) '
                            f'tensors, got {type(inputs)}')
        return tuple(self._pool(x) for x in inputs)

    def _pool(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.dim() != 3:
            raise ValueError('TokenPoolNeck expects (B, 1+L, C) tokens, got '
                             f'shape {tuple(tokens.shape)}')
        if self.mode == 'cls':
            return tokens[:, 0]
        patches = tokens[:, 1:]  # (B, L, C), CLS dropped
        if self.mode == 'mean':
            return patches.mean(dim=1)
        return patches.amax(dim=1)

    def extra_repr(self) -> str:
        return f'mode={self.mode!r}'
