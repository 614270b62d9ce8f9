# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE encoder weights for the two Kinetics-400 fine-tuning routes.

Route 1 (``'frame'``): mmaction2 ``Recognizer2D`` with
``mmpretrain.VisionTransformer`` applied to every frame and the class
scores averaged over time (TSN consensus). The keys are mmpretrain's, so
the transfer is exact and identical to :func:`vicmae_to_mmpretrain`.

Route 2 (``'spacetime'``): mmaction2 ``Recognizer3D`` with joint attention
over the tokens of all frames. Two targets:

- ``cls_token=False`` (default): mmaction's own VideoMAE
  ``VisionTransformer`` (what ``recognition/videomae/*`` configs build):
  no CLS token, ``fc_norm`` over the mean of un-normalised tokens. The CLS
  token is dropped and the final norm initialises ``fc_norm``; the result
  is not the image encoder's feature, even for one frame.
- ``cls_token=True``: :class:`vicmae_mm.models.ClsTokenVideoViT`, the same
  backbone plus the CLS token and the per-token final norm (``norm``). For
  one temporal step (``num_frames == tubelet_size``, static frames) it
  gives exactly the image encoder's CLS / pooled feature.

Mapping from mmpretrain names (both targets):

- ``patch_embed.projection.weight`` (C, 3, p, p) becomes the Conv3d kernel
  (C, 3, tubelet, p, p), split evenly over the tubelet (``w / tubelet`` per
  time slice) so a static clip gets exactly the image embedding. The
  default ``tubelet_size=2`` is mmaction's.
- ``layers.i.`` -> ``blocks.i.``, ``ln1/ln2`` -> ``norm1/norm2``,
  ``ffn.`` -> ``mlp.``; ``attn.qkv.bias`` (3C) -> ``attn.q_bias`` (first C)
  and ``attn.v_bias`` (last C). Dropping the k bias is exact: it adds a
  per-query constant to the attention logits, which softmax removes.
- ``pos_embed`` (1, 1 + N, C): the spatial part is repeated for each of the
  ``num_frames // tubelet_size`` time steps (1, T' * N, C). It replaces the
  target's own embedding on purpose, also mmaction's fixed sinusoidal
  buffer (``use_learnable_pos_emb=False``): the encoder was trained with
  this 2-D sin-cos embedding and knows no other. Neither has a temporal
  component; ``use_learnable_pos_emb=True`` lets fine-tuning learn one.
  The CLS entry is dropped (``cls_token=False``) or folded into the CLS
  token (``cls_token=True``: ``cls_token + pos_embed[:, :1]``, exact since
  that entry is only ever added to the CLS token).
"""
import re
from typing import Optional, Tuple

from .report import iter_tensors
from .state_dict import (StateDict, check_arch, encoder_meta,
                         encoder_state_dict, resize_encoder_pos_embed)
from .to_mmpretrain import vicmae_to_mmpretrain

_RENAMES = [
    (r'^layers\.(\d+)\.', r'blocks.\1.'),
    (r'\.ln1\.', '.norm1.'),
    (r'\.ln2\.', '.norm2.'),
    (r'\.ffn\.', '.mlp.'),
]


def _rename(key: str) -> str:
    for pat, rep in _RENAMES:
        key = re.sub(pat, rep, key)
    return key


def mmpretrain_vit_to_mmaction_vit(
        encoder: StateDict,
        num_frames: int = 16,
        tubelet_size: int = 2,
        cls_token: bool = False,
        progress: bool = False) -> Tuple[StateDict, dict]:
    """Map mmpretrain ViT encoder keys to mmaction's VideoMAE-style ViT.

    Args:
        encoder (dict[str, Tensor]): mmpretrain-style encoder keys.
        num_frames (int): Frames per clip of the target. Defaults to 16.
        tubelet_size (int): Temporal patch size. Defaults to 2.
        cls_token (bool): Keep the CLS token and the per-token final norm
            (``ClsTokenVideoViT``) instead of dropping the CLS token
            (mmaction's ``VisionTransformer``). Defaults to False.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        tuple[dict, dict]: The backbone state dict (no prefix; shapes
        ``pos_embed`` (1, T' * N, C), ``patch_embed.projection.weight``
        (C, 3, tubelet, p, p)) and a report (``renamed``, ``dropped``,
        ``reshaped``, ``notes``).
    """
    if tubelet_size < 1 or num_frames % tubelet_size:
        raise ValueError(f'num_frames={num_frames} is not a multiple of '
                         f'tubelet_size={tubelet_size}')
    final = 'ln2' if 'ln2.weight' in encoder and not cls_token else 'ln1'
    if f'{final}.weight' not in encoder:
        raise ValueError(f"the encoder has no final norm '{final}.*' to "
                         'initialise the target\'s norm')
    if cls_token and 'cls_token' not in encoder:
        raise ValueError('cls_token=True needs a CLS token in the encoder')
    steps = num_frames // tubelet_size
    extra = int('cls_token' in encoder)
    out, renamed, dropped = {}, [], []
    for key, val in encoder.items():  # views and small ops; copies below
        if key == 'cls_token':
            if cls_token:  # its position entry folded in: (1, 1, C)
                out[key] = val + encoder['pos_embed'][:, :1]
            else:
                dropped.append(key)
        elif key == 'pos_embed':  # (1, extra + N, C) -> (1, T' * N, C)
            out[key] = val[:, extra:].repeat(1, steps, 1)
        elif key == 'patch_embed.projection.weight':
            # (C, 3, p, p) -> (C, 3, tubelet, p, p), summing back to w
            out[key] = val.unsqueeze(2).repeat(1, 1, tubelet_size, 1,
                                               1) / tubelet_size
        elif key.startswith(('ln1.', 'ln2.')):
            if key.startswith(final + '.'):
                new = ('norm.' if cls_token else 'fc_norm.') + key[4:]
                out[new] = val
                renamed.append((key, new))
            else:
                dropped.append(key)
        elif key.endswith('attn.qkv.bias'):
            base = _rename(key)[:-len('qkv.bias')]
            dim = val.shape[0] // 3
            out[base + 'q_bias'] = val[:dim]
            out[base + 'v_bias'] = val[2 * dim:]
            renamed += [(key, base + 'q_bias'), (key, base + 'v_bias')]
        else:
            out[_rename(key)] = val
            if _rename(key) != key:
                renamed.append((key, _rename(key)))
    c = encoder['pos_embed'].shape[-1]
    n = encoder['pos_embed'].shape[1] - extra
    w = encoder['patch_embed.projection.weight'].shape
    reshaped = [
        f'pos_embed {tuple(encoder["pos_embed"].shape)} -> (1, {steps * n}, '
        f'{c}): spatial part repeated over {steps} time steps, CLS entry ' +
        ('folded into cls_token' if cls_token else 'dropped'),
        f'patch_embed.projection.weight {tuple(w)} -> '
        f'{tuple(out["patch_embed.projection.weight"].shape)}: split evenly '
        f'over a tubelet of {tubelet_size} frame(s)'
    ]
    notes = [
        'the k third of attn.qkv.bias is dropped (exact: softmax '
        'removes a per-query constant)'
    ]
    notes.append(
        'exact for one temporal step (num_frames == tubelet_size, static '
        'frames): CLS token and pooled feature equal the image encoder\'s'
        if cls_token else 'CLS token dropped (mmaction\'s VisionTransformer '
        'has none) and fc_norm sees the mean of un-normalised tokens: the '
        'feature differs from the image encoder\'s even for one frame; '
        'cls_token=True (ClsTokenVideoViT) keeps it exact')
    report = dict(renamed=renamed,
                  dropped=dropped,
                  reshaped=reshaped,
                  notes=notes)
    return {
        k: v.clone().contiguous()
        for k, v in iter_tensors(out, progress)
    }, report


def vicmae_to_mmaction(state_dict: StateDict,
                       route: str = 'frame',
                       arch: Optional[str] = None,
                       img_size: Optional[int] = None,
                       num_frames: int = 16,
                       tubelet_size: int = 2,
                       cls_token: bool = False,
                       final_norm: str = 'ln1',
                       progress: bool = False) -> Tuple[StateDict, dict]:
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
            to 2, mmaction's ``VisionTransformer`` default.
        cls_token (bool): 'spacetime' target: True for
            ``ClsTokenVideoViT`` (exact), False for mmaction's
            ``VisionTransformer``. Defaults to False.
        final_norm (str): 'frame' only: see :func:`vicmae_to_mmpretrain`.
            Defaults to 'ln1'.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        tuple[dict, dict]: State dict with ``backbone.`` keys and ``meta``.
    """
    if route == 'frame':
        out, meta = vicmae_to_mmpretrain(state_dict,
                                         arch,
                                         img_size,
                                         final_norm=final_norm,
                                         progress=progress)
        meta.update(target='mmaction.Recognizer2D+mmpretrain.'
                    'VisionTransformer',
                    route='frame')
        return out, meta
    if route != 'spacetime':
        raise ValueError(f"route must be 'frame' or 'spacetime', got "
                         f'{route!r}')
    enc = encoder_state_dict(state_dict)
    info = check_arch(enc, arch)
    if img_size is not None:
        enc = resize_encoder_pos_embed(enc, img_size)
    bb, report = mmpretrain_vit_to_mmaction_vit(enc, num_frames, tubelet_size,
                                                cls_token, progress)
    backbone = 'ClsTokenVideoViT' if cls_token else 'VisionTransformer'
    meta = encoder_meta(
        enc, info, state_dict,
        target=f'mmaction.Recognizer3D+mmaction.{backbone}',
        route='spacetime', num_frames=num_frames, tubelet_size=tubelet_size,
        cls_token=cls_token, **report)
    return {'backbone.' + k: v for k, v in bb.items()}, meta
