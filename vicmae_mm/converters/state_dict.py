# Copyright (c) vicmae_mm contributors. All rights reserved.
"""State-dict helpers shared by the converters: load, unwrap, describe, save.

Every function here works on plain ``{name: Tensor}`` dicts, so the command
line tools in ``tools/model_converters/`` stay thin.
"""
import os
import os.path as osp
import re
from typing import Dict, Optional

import torch
from mmpretrain.models.utils import resize_pos_embed
from torch import Tensor

StateDict = Dict[str, Tensor]

#: ViT sizes of the method document: name -> (embed_dims, num_layers).
ARCH_SPECS = {
    's': (384, 12),
    'b': (768, 12),
    'l': (1024, 24),
    'h': (1280, 32),
}
_ARCH_ALIASES = {'small': 's', 'base': 'b', 'large': 'l', 'huge': 'h'}


def load_state_dict_file(path: str) -> StateDict:
    """Load a checkpoint file and return its flat state dict.

    The project's safe loader
    (:func:`vicmae_mm.checkpoint.load_checkpoint_file`) is used, so
    nothing in the file can run code. Wrappers ``{'state_dict': ...}``
    (mmengine) and ``{'model': ...}`` (the authors' code) are unwrapped and
    a DDP ``module.`` prefix is removed.

    Args:
        path (str): The checkpoint file.

    Returns:
        dict[str, Tensor]: The state dict.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    with open(path, 'rb') as f:
        magic = f.read(2)
    # torch.save writes a zip archive ('PK'); legacy files are pickles (0x80)
    if magic != b'PK' and magic[:1] != b'\x80':
        raise ValueError(f'{path} is not a loadable PyTorch checkpoint: it '
                         f'is neither a torch zip archive nor a pickle '
                         f'(starts with {magic!r})')
    from ..checkpoint import UnsafeCheckpointError, load_checkpoint_file
    try:
        ckpt = load_checkpoint_file(path, map_location='cpu')
    except UnsafeCheckpointError:
        raise
    except Exception as e:  # noqa: BLE001  (any unpickling problem)
        raise ValueError(f'{path} is not a loadable PyTorch checkpoint: '
                         f'{type(e).__name__}: {e}') from e
    return unwrap_state_dict(ckpt, name=path)


def unwrap_state_dict(ckpt: object, name: str = 'checkpoint') -> StateDict:
    """Return the tensor dict inside a loaded checkpoint object.

    Args:
        ckpt (object): What ``torch.load`` returned.
        name (str): Used in error messages. Defaults to 'checkpoint'.

    Returns:
        dict[str, Tensor]: The state dict without a ``module.`` prefix.
    """
    if not isinstance(ckpt, dict):
        raise ValueError(f'{name} holds a {type(ckpt).__name__}, expected a '
                         'dict (a state dict or {"state_dict": ...} / '
                         '{"model": ...})')
    for key in ('state_dict', 'model'):
        if isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    tensors = {k: v for k, v in ckpt.items() if isinstance(v, Tensor)}
    if not tensors:
        raise ValueError(f'{name} contains no tensors (top-level keys: '
                         f'{sorted(ckpt)[:10]}); is it a model checkpoint?')
    return {re.sub(r'^module\.', '', k): v for k, v in tensors.items()}


def select_prefix(state_dict: StateDict, prefix: str) -> StateDict:
    """Keys starting with ``prefix``, with the prefix removed."""
    return {
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    }


def encoder_state_dict(state_dict: StateDict,
                       prefix: str = 'backbone.') -> StateDict:
    """The ViT encoder keys (mmpretrain names, no prefix).

    Accepts a full ``ViCMAE`` (or ``ImageClassifier``) state dict, whose
    encoder lives under ``prefix``, or a bare encoder state dict.

    Args:
        state_dict (dict[str, Tensor]): The source state dict.
        prefix (str): Encoder prefix. Defaults to 'backbone.'.

    Returns:
        dict[str, Tensor]: The encoder state dict.
    """
    enc = select_prefix(state_dict, prefix)
    if not enc and 'pos_embed' in state_dict:
        enc = dict(state_dict)
    needed = ('pos_embed', 'patch_embed.projection.weight')
    if any(k not in enc for k in needed):
        heads = sorted({k.split('.')[0] for k in state_dict})
        raise ValueError(
            f'no mmpretrain ViT encoder found under prefix {prefix!r} (need '
            f'{needed}; top-level names: {heads[:12]}). An authors\' '
            'checkpoint (timm keys) goes through official_to_vicmae first.')
    return enc


def left_out_counts(state_dict: StateDict,
                    prefix: str = 'backbone.') -> Dict[str, int]:
    """Tensors outside the encoder, counted by top-level name.

    Args:
        state_dict (dict[str, Tensor]): A full ViC-MAE state dict (or a bare
            encoder, which gives an empty result).
        prefix (str): Encoder prefix. Defaults to 'backbone.'.

    Returns:
        dict[str, int]: e.g. ``{'recon_head': 150, 'contrast_head': 16}``.
    """
    if not any(k.startswith(prefix) for k in state_dict):
        return {}
    counts: Dict[str, int] = {}
    for key in state_dict:
        if not key.startswith(prefix):
            name = key.split('.')[0]
            counts[name] = counts.get(name, 0) + 1
    return counts


def describe_vit(encoder: StateDict) -> dict:
    """Read the architecture of a ViT encoder state dict.

    Args:
        encoder (dict[str, Tensor]): mmpretrain-style encoder keys.

    Returns:
        dict: ``embed_dims``, ``num_layers``, ``patch_size``, ``grid``
        (patches per side), ``arch`` ('s'/'b'/'l'/'h' or None) and ``name``
        (e.g. 'ViT-B/16 (768 dims, 12 layers)').
    """
    w = encoder['patch_embed.projection.weight']
    embed_dims, patch_size = w.shape[0], w.shape[-1]
    ids = {int(m.group(1)) for k in encoder
           for m in [re.match(r'layers\.(\d+)\.', k)] if m}
    num_layers = len(ids)
    num_tokens = encoder['pos_embed'].shape[1]
    has_cls = 'cls_token' in encoder
    grid = int(round((num_tokens - int(has_cls))**0.5))
    arch = next((a for a, spec in ARCH_SPECS.items()
                 if spec == (embed_dims, num_layers)), None)
    size = f'ViT-{arch.upper()}' if arch else 'a custom ViT'
    name = (f'{size}/{patch_size} ({embed_dims} dims, {num_layers} layers)')
    return dict(embed_dims=embed_dims, num_layers=num_layers,
                patch_size=patch_size, grid=grid, arch=arch, name=name)


def check_arch(encoder: StateDict, arch: Optional[str],
               source: str = 'the checkpoint') -> dict:
    """Check the encoder against a requested size; return its description.

    Args:
        encoder (dict[str, Tensor]): mmpretrain-style encoder keys.
        arch (str, optional): 's', 'b', 'l', 'h' (or 'small', 'base',
            'large', 'huge'); None accepts any size.
        source (str): Name used in the error message.

    Returns:
        dict: See :func:`describe_vit`.
    """
    info = describe_vit(encoder)
    if arch is None:
        return info
    key = _ARCH_ALIASES.get(arch.lower(), arch.lower())
    if key not in ARCH_SPECS:
        raise ValueError(f'unknown arch {arch!r}; expected one of '
                         f'{sorted(ARCH_SPECS) + sorted(_ARCH_ALIASES)}')
    if info['arch'] != key:
        dims, layers = ARCH_SPECS[key]
        raise ValueError(
            f'{source} looks like {info["name"]} but --arch {arch} was asked '
            f'(ViT-{key.upper()} has {dims} dims, {layers} layers)')
    return info


def encoder_meta(encoder: StateDict, info: dict, state_dict: StateDict,
                 target: str, **extra) -> dict:
    """The conversion record both converters write next to the weights.

    Args:
        encoder (dict[str, Tensor]): The converted encoder (its ``pos_embed``
            gives the image size the output is built for).
        info (dict): :func:`check_arch`'s description of the encoder.
        state_dict (dict[str, Tensor]): The full source state dict, whose
            tensors outside the encoder are counted in ``left_out``.
        target (str): The upstream model the output loads into.
        **extra: Converter-specific entries, appended in order.

    Returns:
        dict: ``target``, ``arch``, ``embed_dims``, ``num_layers``,
        ``patch_size``, ``img_size``, ``left_out`` and ``extra``.
    """
    grid = int(round((encoder['pos_embed'].shape[1] - 1)**0.5))
    meta = dict(target=target, arch=info['arch'])
    for key in ('embed_dims', 'num_layers', 'patch_size'):
        meta[key] = info[key]
    meta['img_size'] = grid * info['patch_size']
    meta['left_out'] = left_out_counts(state_dict)
    meta.update(extra)
    return meta


def resize_encoder_pos_embed(encoder: StateDict, img_size: int) -> StateDict:
    """Bicubically resize ``pos_embed`` for another image size.

    Uses mmpretrain's :func:`resize_pos_embed`; the cls entry is kept.

    Args:
        encoder (dict[str, Tensor]): mmpretrain-style encoder keys.
        img_size (int): The new square image size.

    Returns:
        dict[str, Tensor]: A copy with the new ``pos_embed``.
    """
    info = describe_vit(encoder)
    if img_size % info['patch_size']:
        raise ValueError(f'img_size={img_size} is not a multiple of the '
                         f'patch size {info["patch_size"]}')
    dst = img_size // info['patch_size']
    out = dict(encoder)
    extra = int('cls_token' in encoder)
    out['pos_embed'] = resize_pos_embed(
        encoder['pos_embed'], (info['grid'], info['grid']), (dst, dst),
        mode='bicubic', num_extra_tokens=extra)
    return out


def save_converted(state_dict: StateDict, meta: dict, path: str) -> None:
    """Write ``{'state_dict': ..., 'meta': ...}`` of plain tensors.

    The file loads with ``torch.load(..., weights_only=True)``.

    Args:
        state_dict (dict[str, Tensor]): Converted weights.
        meta (dict): Plain-Python metadata.
        path (str): Output file.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save(dict(state_dict=dict(state_dict), meta=dict(meta)), path)
