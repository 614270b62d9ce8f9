# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE encoder weights for mmpretrain's ``VisionTransformer``.

The pretraining model ``ViCMAE`` keeps its encoder under ``backbone.`` with
exactly the key layout of mmpretrain's ``VisionTransformer``
(``final_norm=True``: the final LayerNorm is ``ln1``), so the default
transfer is a prefix selection. mmpretrain's fine-tune configs for masked
image modelling (``mae/benchmarks/vit-*_8xb128-coslr-*``, the same in
``maskfeat``, ``mff``, ``eva``, ``milan``) use another layout:
``final_norm=False, out_type='avg_featmap'``, whose only norm after the
blocks is ``ln2``, applied to the mean of the *un-normalised* patch tokens.
``final_norm`` chooses the layout of the output:

====== =========================================== ======================
value  final norm in the output                    fits
====== =========================================== ======================
'ln1'  ``ln1`` (unchanged)                         ``final_norm=True``
                                                   (``cls_token``,
                                                   ``featmap``, ``raw``):
                                                   the linear-probe
                                                   benchmarks, our
                                                   ``configs/finetune/``
'ln2'  renamed ``ln1`` -> ``ln2``                  ``final_norm=False,
                                                   out_type='avg_featmap'``
'drop' none (``ln2`` of the target starts fresh,   the same, as MAE's own
       LayerNorm 1/0)                              fine-tuning does
====== =========================================== ======================

With 'ln2' the pretrained norm initialises a norm that sees the mean of
un-normalised tokens: the classifier input is a LayerNorm of the mean, not
ViC-MAE's pooled feature (the mean of normalised tokens), and differs from
it at the start of fine-tuning (``tools/analysis/transfer_gap.py`` measures
by how much). 'ln1' with ``out_type='featmap'`` + ``GlobalAveragePooling``
(``configs/finetune/*-meanpool.py``) is the exact mean-pooled transfer.
"""
from typing import Optional, Tuple

from .report import iter_tensors
from .state_dict import (StateDict, check_arch, encoder_meta,
                         encoder_state_dict, resize_encoder_pos_embed)

FINAL_NORMS = ('ln1', 'ln2', 'drop')
_NOTES = dict(
    ln2='ln2 normalises the mean of the un-normalised patch tokens '
    "(VisionTransformer final_norm=False, out_type='avg_featmap'): the "
    'pretrained final norm initialises it, but the classifier input is not '
    'the pretraining pooled feature (the mean of normalised tokens); the '
    'exact mean-pooled layout is ln1 + featmap + GlobalAveragePooling',
    drop='no final norm in the output: the target builds ln2 fresh '
    "(LayerNorm 1/0), as MAE's own fine-tuning does; ln2.* will be "
    'reported missing when the checkpoint is loaded')


def vicmae_to_mmpretrain(state_dict: StateDict,
                         arch: Optional[str] = None,
                         img_size: Optional[int] = None,
                         out_prefix: str = 'backbone.',
                         final_norm: str = 'ln1',
                         progress: bool = False) -> Tuple[StateDict, dict]:
    """Encoder of a ViC-MAE checkpoint as an mmpretrain ViT checkpoint.

    With the default ``final_norm='ln1'`` the keys are unchanged, so this
    loads into ``ImageClassifier`` (``load_from`` or
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
        final_norm (str): Layout of the final norm: 'ln1' (keep, for
            ``final_norm=True``), 'ln2' (rename, for ``final_norm=False,
            out_type='avg_featmap'``) or 'drop'. Defaults to 'ln1'.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        tuple[dict, dict]: The converted state dict and a ``meta`` dict
        (``renamed``, ``dropped``, ``left_out``, ``notes``, sizes; see
        :func:`vicmae_mm.converters.format_report`).

    Example:
        >>> import torch
        >>> enc = {'pos_embed': torch.zeros(1, 5, 8),
        ...        'patch_embed.projection.weight': torch.zeros(8, 3, 4, 4),
        ...        'ln1.weight': torch.ones(8), 'ln1.bias': torch.zeros(8)}
        >>> sd, meta = vicmae_to_mmpretrain(enc, final_norm='ln2')
        >>> sorted(sd)[0], meta['renamed'][0]
        ('backbone.ln2.bias', ('ln1.weight', 'ln2.weight'))
    """
    if final_norm not in FINAL_NORMS:
        raise ValueError(f'final_norm must be one of {FINAL_NORMS}, got '
                         f'{final_norm!r}')
    enc = encoder_state_dict(state_dict)
    info = check_arch(enc, arch)
    if final_norm != 'ln1' and 'ln1.weight' not in enc:
        raise ValueError(f'final_norm={final_norm!r} needs the final norm '
                         "'ln1.*' in the encoder, which has none")
    if final_norm == 'ln2' and 'ln2.weight' in enc:
        raise ValueError("final_norm='ln2': the encoder already has an "
                         "'ln2' (an avg_featmap model?); nothing to rename")
    if img_size is not None:
        enc = resize_encoder_pos_embed(enc, img_size)
    out, renamed, dropped = {}, [], []
    for key, val in iter_tensors(enc, progress):
        if key.startswith('ln1.') and final_norm == 'drop':
            dropped.append(key)
            continue
        if key.startswith('ln1.') and final_norm == 'ln2':
            renamed.append((key, 'ln2.' + key[4:]))
            key = 'ln2.' + key[4:]
        out[out_prefix + key] = val.clone().contiguous()
    meta = encoder_meta(
        enc, info, state_dict, target='mmpretrain.VisionTransformer',
        final_norm=final_norm, renamed=renamed, dropped=dropped,
        notes=[_NOTES[final_norm]] if final_norm in _NOTES else [])
    return out, meta
