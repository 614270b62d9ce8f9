# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Config overrides that resize a ViC-MAE model config.

The ``_base_`` model configs are ViT-S/B/L at 224 px. Tools (benchmarks,
the learning check) and tests shrink them with one ``cfg.merge_from_dict``
call built here, so every consistent pair of sizes (encoder width and the
decoder's ``embed_dim``, image and patch size and ``num_patches``, ...) is
derived in one place.
"""


def vicmae_size_options(embed_dims: int,
                        num_layers: int,
                        num_heads: int,
                        img_size: int,
                        patch_size: int,
                        decoder_dims: int,
                        decoder_depth: int,
                        proj_hidden: int,
                        proj_out: int,
                        decoder_heads: int = 0,
                        mlp_ratio: int = 4) -> dict:
    """``--cfg-options``-style dict that resizes ``model`` of a config.

    Args:
        embed_dims (int): Encoder width C.
        num_layers (int): Encoder depth.
        num_heads (int): Encoder attention heads.
        img_size (int): Input size (square) H = W.
        patch_size (int): Patch size p; (H / p)^2 patches.
        decoder_dims (int): MAE decoder width.
        decoder_depth (int): MAE decoder depth.
        proj_hidden (int): Projector hidden width.
        proj_out (int): Projector output width.
        decoder_heads (int): Decoder heads; 0 means one per 16 dims (at
            least 1). Defaults to 0.
        mlp_ratio (int): Encoder FFN width / C. Defaults to 4.

    Returns:
        dict: keys such as ``'model.backbone.arch'`` for
        ``Config.merge_from_dict``.

    Example:
        >>> opts = vicmae_size_options(32, 2, 2, 32, 8, 16, 1, 32, 8)
        >>> opts['model.recon_head.decoder.num_patches']
        16
    """
    return {
        'model.backbone.arch':
        dict(
            _delete_=True,
            embed_dims=embed_dims,
            num_layers=num_layers,
            num_heads=num_heads,
            feedforward_channels=mlp_ratio * embed_dims),
        'model.backbone.img_size': img_size,
        'model.backbone.patch_size': patch_size,
        'model.recon_head.patch_size': patch_size,
        'model.recon_head.decoder.num_patches': (img_size // patch_size)**2,
        'model.recon_head.decoder.patch_size': patch_size,
        'model.recon_head.decoder.embed_dim': embed_dims,
        'model.recon_head.decoder.decoder_embed_dim': decoder_dims,
        'model.recon_head.decoder.decoder_depth': decoder_depth,
        'model.recon_head.decoder.decoder_num_heads':
        decoder_heads or max(1, decoder_dims // 16),
        'model.contrast_head.projector.in_channels': embed_dims,
        'model.contrast_head.projector.hid_channels': proj_hidden,
        'model.contrast_head.projector.out_channels': proj_out,
    }


#: The unit-test model: 32 px, patch 8, width 32, depth 2 (about 30k
#: encoder parameters).
TINY_MODEL_OPTIONS = vicmae_size_options(
    32, 2, 2, 32, 8, 16, 1, 32, 8, decoder_heads=2, mlp_ratio=2)
