# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Shape check shared by the cross-frame losses."""
from typing import Tuple

import torch


def frame_dims(z: torch.Tensor, owner: str) -> Tuple[int, int, int]:
    """Return ``(B, T, D)`` of per-frame embeddings; raise if not (B, T>=2, D).

    Args:
        z (torch.Tensor): Embeddings, (B, T, D).
        owner (str): The loss, named in the error.

    Returns:
        tuple[int, int, int]: Videos B, frames per video T, dimension D.

    Example:
        >>> frame_dims(torch.zeros(4, 2, 8), 'InfoNCELoss')
        (4, 2, 8)
    """
    if z.dim() != 3:
        raise ValueError(f'{owner} expects embeddings of shape (B, T, D), '
                         f'got {tuple(z.shape)}')
    B, T, D = z.shape
    if T < 2:
        raise ValueError(f'{owner} needs T >= 2 frames, got {T} '
                         f'(z of shape {tuple(z.shape)})')
    return B, T, D
