# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE encoder weights for mmpretrain's ``VisionTransformer``.

The pretraining model ``ViCMAE`` keeps its encoder under ``backbone.`` with
exactly the key layout of mmpretrain's ``VisionTransformer``, so the
image-classification and per-frame video (route 1) transfers are a prefix
selection.
"""
from typing import Optional, Tuple

from .state_dict import (StateDict, check_arch, encoder_state_dict,
                         resize_encoder_pos_embed)


def vicmae_to_mmpretrain(state_dict: StateDict,
                         arch: Optional[str] = None,
                         img_size: Optional[int] = None,
                         out_prefix: str = 'backbone.'
                         ) -> Tuple[StateDict, dict]:
    """Encoder of a ViC-MAE checkpoint as an mmpretrain ViT checkpoint.

    The keys are unchanged (``VicMAEViT`` = mmpretrain ``VisionTransformer``
    names), so this loads into ``ImageClassifier`` (``load_from`` or
    ``init_cfg=dict(type='Pretrained', prefix='backbone.')``) and into
    mmaction's ``Recognizer2D`` with ``mmpretrain.VisionTransformer``
    (route 1) with only the new head's keys missing.

    Args:
        state_dict (dict[str, Tensor]): Full ViC-MAE or bare encoder dict.
        arch (str, optional): Expected size, checked. Defaults to None.
        img_size (int, optional): Resize ``pos_embed`` for this image size.
            Defaults to None (keep).
        out_prefix (str): Prefix of the output keys. Defaults to
            'backbone.'.

    Returns:
        tuple[dict, dict]: The converted state dict and a ``meta`` dict.
    """
    enc = encoder_state_dict(state_dict)
    info = check_arch(enc, arch)
    if img_size is not None:
        enc = resize_encoder_pos_embed(enc, img_size)
    out = {out_prefix + k: v.clone().contiguous() for k, v in enc.items()}
    grid = int(round((enc['pos_embed'].shape[1] - 1)**0.5))
    meta = dict(target='mmpretrain.VisionTransformer', arch=info['arch'],
                embed_dims=info['embed_dims'], num_layers=info['num_layers'],
                patch_size=info['patch_size'],
                img_size=grid * info['patch_size'])
    return out, meta
