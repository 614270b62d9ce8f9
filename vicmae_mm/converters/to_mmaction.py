# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE encoder weights for the two Kinetics-400 fine-tuning routes.

Route 1 (``'frame'``): mmaction2 ``Recognizer2D`` with
``mmpretrain.VisionTransformer`` applied to every frame and the class
scores averaged over time (TSN consensus). The keys are mmpretrain's, so
the transfer is exact and identical to :func:`vicmae_to_mmpretrain`.

Route 2 (``'spacetime'``): mmaction2 ``Recognizer3D`` with mmaction's
VideoMAE-style ``VisionTransformer`` (joint attention over the tokens of all
frames). Mapping from mmpretrain names:

- ``patch_embed.projection.weight`` (C, 3, p, p) becomes the Conv3d kernel
  (C, 3, tubelet, p, p). With ``tubelet_size > 1`` the 2D kernel is split
  evenly over the tubelet (``w / tubelet`` per time slice) so a static
  clip gets exactly the image embedding.
- ``layers.i.`` -> ``blocks.i.``, ``ln1/ln2`` -> ``norm1/norm2``,
  ``ffn.`` -> ``mlp.``; ``attn.qkv.bias`` (3C) -> ``attn.q_bias`` (first C)
  and ``attn.v_bias`` (last C). Dropping the k bias is exact: it adds a
  per-query constant to the attention logits, which softmax removes.
- ``pos_embed`` (1, 1 + N, C): the cls entry is dropped and the spatial
  embedding is repeated for each of the ``num_frames // tubelet_size``
  time steps (1, T' * N, C). Use ``use_learnable_pos_emb=True`` in the
  backbone so it is a trained parameter (no temporal embedding exists).
- The final norm: ``ln2`` (mean-pool norm) when the source has one, else
  the final ``ln1`` initialises ``fc_norm``.
- ``cls_token`` is dropped: mmaction's ViT has none. This is the one
  approximation of the route: attention no longer sees the cls token,
  and the output is ``fc_norm(mean(tokens))`` rather than the mean of
  normalised tokens. For a single frame the result equals mmpretrain's
  ``VisionTransformer(with_cls_token=False, out_type='avg_featmap',
  final_norm=False)`` with ``ln2 = fc_norm`` loaded from the same file.
"""
import re
from typing import Optional, Tuple

import torch

from .state_dict import (StateDict, check_arch, encoder_state_dict,
                         resize_encoder_pos_embed)
from .to_mmpretrain import vicmae_to_mmpretrain

_RENAMES = [
    (r'^layers\.(\d+)\.', r'blocks.\1.'),
    (r'\.ln1\.', '.norm1.'),
    (r'\.ln2\.', '.norm2.'),
    (r'\.ffn\.', '.mlp.'),
]


def mmpretrain_vit_to_mmaction_vit(encoder: StateDict,
                                   num_frames: int = 16,
                                   tubelet_size: int = 1
                                   ) -> Tuple[StateDict, list]:
    """Map mmpretrain ViT encoder keys to mmaction's VideoMAE-style ViT.

    Args:
        encoder (dict[str, Tensor]): mmpretrain-style encoder keys.
        num_frames (int): Frames per clip of the target. Defaults to 16.
        tubelet_size (int): Temporal patch size. Defaults to 1.

    Returns:
        tuple[dict, list]: The mmaction backbone state dict (no prefix) and
        the source keys that were dropped on purpose (``cls_token`` and the
        unused final norm).
    """
    if num_frames % tubelet_size:
        raise ValueError(f'num_frames={num_frames} is not a multiple of '
                         f'tubelet_size={tubelet_size}')
    out, dropped = {}, []
    fc_norm_src = 'ln2' if 'ln2.weight' in encoder else 'ln1'
    for key, val in encoder.items():
        if key == 'cls_token':
            dropped.append(key)
        elif key == 'pos_embed':
            extra = int('cls_token' in encoder)
            spatial = val[:, extra:]  # (1, N, C)
            out[key] = spatial.repeat(1, num_frames // tubelet_size, 1)
        elif key == 'patch_embed.projection.weight':
            # (C, 3, p, p) -> (C, 3, tubelet, p, p), summing back to w
            out[key] = val.unsqueeze(2).repeat(1, 1, tubelet_size, 1,
                                               1) / tubelet_size
        elif key.startswith(('ln1.', 'ln2.')):
            if key.startswith(fc_norm_src + '.'):
                out['fc_norm.' + key.split('.', 1)[1]] = val
            else:
                dropped.append(key)
        elif key.endswith('attn.qkv.bias'):
            base = 'blocks' + key[len('layers'):-len('qkv.bias')]
            dim = val.shape[0] // 3
            out[base + 'q_bias'] = val[:dim]
            out[base + 'v_bias'] = val[2 * dim:]
        else:
            new = key
            for pat, rep in _RENAMES:
                new = re.sub(pat, rep, new)
            out[new] = val
    return {k: v.clone().contiguous() for k, v in out.items()}, dropped


def vicmae_to_mmaction(state_dict: StateDict,
                       route: str = 'frame',
                       arch: Optional[str] = None,
                       img_size: Optional[int] = None,
                       num_frames: int = 16,
                       tubelet_size: int = 1) -> Tuple[StateDict, dict]:
    """Encoder weights of a ViC-MAE checkpoint for an mmaction2 recognizer.

    Args:
        state_dict (dict[str, Tensor]): Full ViC-MAE or bare encoder dict.
        route (str): 'frame' (``Recognizer2D`` + mmpretrain ViT) or
            'spacetime' (``Recognizer3D`` + mmaction ViT). Defaults to
            'frame'.
        arch (str, optional): Expected size, checked. Defaults to None.
        img_size (int, optional): Resize the position embedding for this
            image size. Defaults to None.
        num_frames (int): Frames per clip ('spacetime'). Defaults to 16.
        tubelet_size (int): Temporal patch size ('spacetime'). Defaults
            to 1.

    Returns:
        tuple[dict, dict]: State dict with ``backbone.`` keys and ``meta``.
    """
    if route == 'frame':
        out, meta = vicmae_to_mmpretrain(state_dict, arch, img_size)
        meta.update(target='mmaction.Recognizer2D+mmpretrain.'
                    'VisionTransformer', route='frame')
        return out, meta
    if route != 'spacetime':
        raise ValueError(f"route must be 'frame' or 'spacetime', got "
                         f'{route!r}')
    enc = encoder_state_dict(state_dict)
    info = check_arch(enc, arch)
    if img_size is not None:
        enc = resize_encoder_pos_embed(enc, img_size)
    grid = int(round((enc['pos_embed'].shape[1] - 1)**0.5))
    bb, dropped = mmpretrain_vit_to_mmaction_vit(enc, num_frames,
                                                 tubelet_size)
    meta = dict(target='mmaction.Recognizer3D+mmaction.VisionTransformer',
                route='spacetime', arch=info['arch'],
                embed_dims=info['embed_dims'],
                num_layers=info['num_layers'],
                patch_size=info['patch_size'],
                img_size=grid * info['patch_size'], num_frames=num_frames,
                tubelet_size=tubelet_size, dropped_keys=dropped)
    return {'backbone.' + k: v for k, v in bb.items()}, meta
