# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Key mapping between the authors' ViC-MAE checkpoints and ``vicmae_mm``.

The authors' files hold ``{'model': state_dict, ...}`` with timm-style keys
(``blocks.i.norm1``, ``mlp.fc1``, ``decoder_blocks.i``, ``projector.0``...).
:data:`KEY_RULES` is a list of templates ``(authors' key, vicmae_mm key)``
used in both directions, so a conversion there and back is the identity.
"""
import re
from typing import Dict, List, Tuple

from .report import iter_tensors
from .state_dict import StateDict

_W = ('weight', 'bias')
_BN = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')


def _block_rules(src: str, dst: str) -> List[tuple]:
    return [
        (f'{src}.{{i}}.norm1.{{p}}', f'{dst}.{{i}}.ln1.{{p}}', _W),
        (f'{src}.{{i}}.attn.qkv.{{p}}', f'{dst}.{{i}}.attn.qkv.{{p}}', _W),
        (f'{src}.{{i}}.attn.proj.{{p}}', f'{dst}.{{i}}.attn.proj.{{p}}', _W),
        (f'{src}.{{i}}.norm2.{{p}}', f'{dst}.{{i}}.ln2.{{p}}', _W),
        (f'{src}.{{i}}.mlp.fc1.{{p}}', f'{dst}.{{i}}.ffn.layers.0.0.{{p}}',
         _W),
        (f'{src}.{{i}}.mlp.fc2.{{p}}', f'{dst}.{{i}}.ffn.layers.1.{{p}}', _W),
    ]


_DEC = 'recon_head.decoder'
_PROJ = 'contrast_head.projector'

#: (authors' template, vicmae_mm template, parameter names); ``{i}`` is a
#: block index, ``{p}`` a parameter name of the given tuple.
KEY_RULES: List[tuple] = [
    ('cls_token', 'backbone.cls_token', ()),
    ('pos_embed', 'backbone.pos_embed', ()),
    ('patch_embed.proj.{p}', 'backbone.patch_embed.projection.{p}', _W),
    *_block_rules('blocks', 'backbone.layers'),
    ('norm.{p}', 'backbone.ln1.{p}', _W),
    ('mask_token', f'{_DEC}.mask_token', ()),
    ('decoder_pos_embed', f'{_DEC}.decoder_pos_embed', ()),
    ('decoder_embed.{p}', f'{_DEC}.decoder_embed.{{p}}', _W),
    *_block_rules('decoder_blocks', f'{_DEC}.decoder_blocks'),
    ('decoder_norm.{p}', f'{_DEC}.ln1.{{p}}', _W),
    ('decoder_pred.{p}', f'{_DEC}.decoder_pred.{{p}}', _W),
    ('projector.0.{p}', f'{_PROJ}.fc0.{{p}}', _W),
    ('projector.1.{p}', f'{_PROJ}.bn0.{{p}}', _BN),
    ('projector.3.{p}', f'{_PROJ}.fc1.{{p}}', _W),
    ('projector.4.{p}', f'{_PROJ}.bn1.{{p}}', _BN),
    ('projector.6.{p}', f'{_PROJ}.fc2.{{p}}', _W),
]


def _regex(template: str, params: tuple) -> re.Pattern:
    pat = re.escape(template).replace(r'\{i\}', r'(?P<i>\d+)')
    pat = pat.replace(r'\{p\}', '(?P<p>' + '|'.join(params) + ')')
    return re.compile(f'^{pat}$')


def _rename(state_dict: StateDict, forward: bool, progress: bool = False
            ) -> Tuple[StateDict, List[str], List[str]]:
    rules = [(_regex(s if forward else d, p), d if forward else s, s
              if forward else d, p) for s, d, p in KEY_RULES]
    out, unknown = {}, []
    blocks: Dict[str, set] = {}
    for key, val in iter_tensors(state_dict, progress):
        for regex, target, source, params in rules:
            m = regex.match(key)
            if m:
                out[target.format(**m.groupdict())] = val
                if m.groupdict().get('i') is not None:
                    group = source.split('.{i}')[0]
                    blocks.setdefault(group, set()).add(int(m['i']))
                break
        else:
            unknown.append(key)
    # every key the found blocks / modules should have, in source names
    expected = set()
    for src, _, params in (r if forward else (r[1], r[0], r[2])
                           for r in KEY_RULES):
        group = src.split('.{i}')[0]
        ids = (range(max(blocks[group]) + 1) if group in blocks else []
               ) if '{i}' in src else [None]
        if '{i}' in src and not ids:
            continue
        for i in ids:
            for p in (params or (None, )):
                expected.add(src.format(i=i, p=p))
    missing = sorted(expected - set(state_dict))
    return out, sorted(unknown), missing


def official_to_vicmae(state_dict: StateDict, progress: bool = False
                       ) -> Tuple[StateDict, List[str], List[str]]:
    """Rename an authors' state dict to the ``vicmae_mm`` layout.

    Args:
        state_dict (dict[str, Tensor]): The authors' ``model`` dict.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        tuple[dict, list, list]: The renamed state dict, the keys no rule
        knows (not converted) and the authors' keys that a complete
        checkpoint would have but this one lacks.
    """
    if 'backbone.pos_embed' in state_dict:
        raise ValueError('this state dict already has vicmae_mm keys '
                         '(backbone.*); nothing to convert')
    return _rename(state_dict, forward=True, progress=progress)


def vicmae_to_official(state_dict: StateDict
                       ) -> Tuple[StateDict, List[str], List[str]]:
    """Inverse of :func:`official_to_vicmae` (same return values)."""
    return _rename(state_dict, forward=False)
