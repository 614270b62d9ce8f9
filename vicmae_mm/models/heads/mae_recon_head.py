# Copyright (c) vicmae_mm contributors. All rights reserved.
"""MAE decoder + masked normalised-pixel loss for one frame."""
from typing import Optional

import torch
from mmpretrain.models.heads import MAEPretrainHead
from mmpretrain.registry import MODELS


@MODELS.register_module()
class MAEReconHead(MAEPretrainHead):
    """Reconstruction head: mmpretrain's MAE decoder and MAE loss together.

    ``forward`` runs the decoder (:class:`MAEPretrainDecoder`, kept as
    ``self.decoder`` so its keys are ``decoder.*``); ``loss`` is the inherited
    :meth:`MAEPretrainHead.loss`: the target image is patchified, each patch
    is normalised by its own mean and variance (``norm_pix``, eps 1e-6) and
    the squared error is averaged over the *masked* patches only
    (:class:`PixelReconstructionLoss`, mask 1 = removed).

    Args:
        decoder (dict): Config of the decoder. ``embed_dim`` must equal the
            encoder width and ``num_patches`` the encoder's patch count.
        loss (dict): Config of the pixel loss. Defaults to
            ``dict(type='PixelReconstructionLoss', criterion='L2')``.
        norm_pix (bool): Normalise each target patch. Defaults to True.
        patch_size (int): Patch size. Defaults to 16.
        in_channels (int): Image channels. Defaults to 3.

    Example:
        >>> import torch
        >>> head = MAEReconHead(
        ...     decoder=dict(type='MAEPretrainDecoder', num_patches=16,
        ...                  patch_size=8, embed_dim=32, decoder_embed_dim=16,
        ...                  decoder_depth=1, decoder_num_heads=2),
        ...     patch_size=8)
        >>> latent = torch.rand(2, 9, 32)
        >>> ids_restore = torch.argsort(torch.rand(2, 16), dim=1)
        >>> head(latent, ids_restore).shape
        torch.Size([2, 16, 192])
    """

    def __init__(self,
                 decoder: dict,
                 loss: Optional[dict] = None,
                 norm_pix: bool = True,
                 patch_size: int = 16,
                 in_channels: int = 3) -> None:
        if loss is None:
            loss = dict(type='PixelReconstructionLoss', criterion='L2')
        super().__init__(
            loss=loss,
            norm_pix=norm_pix,
            patch_size=patch_size,
            in_channels=in_channels)
        self.decoder = MODELS.build(decoder)

    def forward(self, latent: torch.Tensor,
                ids_restore: torch.Tensor) -> torch.Tensor:
        """Predict the pixels of every patch.

        Args:
            latent (torch.Tensor): Encoder output, (B, 1 + L_vis, C).
            ids_restore (torch.Tensor): (B, L) from the masked encoder.

        Returns:
            torch.Tensor: Predicted patches, (B, L, patch_size**2 * C_in).
        """
        return self.decoder(latent, ids_restore)
