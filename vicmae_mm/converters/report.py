# Copyright (c) vicmae_mm contributors. All rights reserved.
"""What a conversion did, in lines a person can read.

The converters record every key they rename, drop or reshape in the
``meta`` dict of their output; :func:`format_report` turns that record into
the lines the command-line tools print. Block indices are collapsed
(``layers.{0-11}.ln1.weight``) so a ViT-H report stays short.
"""
import re
import sys
from typing import Dict, Iterable, Iterator, List, Sequence, Tuple

from mmengine.utils import track_iter_progress

from .state_dict import StateDict

_INDEX = re.compile(r'\.(\d+)\.')


def iter_tensors(state_dict: StateDict,
                 progress: bool = False) -> Iterator[Tuple[str, object]]:
    """Iterate over ``(key, tensor)``, with an mmengine progress bar.

    Args:
        state_dict (dict[str, Tensor]): The tensors.
        progress (bool): Show ``mmengine.utils.track_iter_progress`` on
            stdout (the tools turn it on; a ViT-H encoder has ~500 tensors
            and 0.6 G parameters to copy). Defaults to False.

    Returns:
        Iterator[tuple[str, Tensor]]: The items, in order.
    """
    items = list(state_dict.items())
    if not (progress and items):
        return iter(items)
    # sys.stdout now, not mmengine's import-time default (redirections)
    return iter(track_iter_progress(items, file=sys.stdout))


def _pattern(key: str) -> Tuple[str, Tuple[int, ...]]:
    """``'layers.3.ln1.weight'`` -> ``('layers.{i}.ln1.weight', (3, ))``.

    Only the first index (the block) is collapsed: ``ffn.layers.0.0`` keeps
    its inner indices.
    """
    m = _INDEX.search(key)
    if m is None:
        return key, ()
    return _INDEX.sub('.{i}.', key, count=1), (int(m.group(1)), )


def _span(ids: Iterable[int]) -> str:
    ids = sorted(set(ids))
    if ids == list(range(ids[0], ids[-1] + 1)) and len(ids) > 1:
        return f'{ids[0]}-{ids[-1]}'
    return ','.join(str(i) for i in ids)


def _fill(pattern: str, ids: List[int]) -> str:
    return pattern.replace('{i}', '{' + _span(ids) + '}', 1) if ids \
        else pattern


def summarize_keys(keys: Sequence[str]) -> List[str]:
    """Collapse block indices and weight/bias pairs of a key list.

    Args:
        keys (Sequence[str]): State-dict keys.

    Returns:
        list[str]: One line per pattern, e.g.
        ``['layers.{0-11}.ln1.{bias,weight}']``.

    Example:
        >>> summarize_keys(['layers.0.ln1.weight', 'layers.1.ln1.weight',
        ...                 'layers.0.ln1.bias', 'layers.1.ln1.bias'])
        ['layers.{0-1}.ln1.{bias,weight}']
    """
    return [a for a, _ in _group([(k, k) for k in keys])]


def summarize_renames(pairs: Sequence[Tuple[str, str]]) -> List[str]:
    """Collapse ``(source key, target key)`` pairs into readable lines.

    Args:
        pairs (Sequence[tuple[str, str]]): Renamed keys.

    Returns:
        list[str]: Lines like
        ``'layers.{0-11}.ffn.* -> blocks.{0-11}.mlp.*'``.

    Example:
        >>> summarize_renames([('ln1.weight', 'ln2.weight'),
        ...                    ('ln1.bias', 'ln2.bias')])
        ['ln1.{bias,weight} -> ln2.{bias,weight}']
    """
    return [f'{a} -> {b}' for a, b in _group(pairs)]


def _group(pairs: Sequence[Tuple[str, str]]) -> List[Tuple[str, str]]:
    # 1) same pattern up to block indices; 2) same stem up to the leaf name
    by_pattern: Dict[Tuple[str, str], List[int]] = {}
    for src, dst in pairs:
        (sp, ids), (dp, _) = _pattern(src), _pattern(dst)
        by_pattern.setdefault((sp, dp), []).extend(ids)
    by_stem: Dict[tuple, List[str]] = {}
    for (sp, dp), ids in by_pattern.items():
        s_stem, _, s_leaf = sp.rpartition('.')
        d_stem, _, d_leaf = dp.rpartition('.')
        same_leaf = s_leaf == d_leaf and s_stem and d_stem
        key = (s_stem, d_stem, tuple(sorted(
            set(ids)))) if same_leaf else (sp, dp, tuple(sorted(set(ids))))
        by_stem.setdefault(key, []).append(s_leaf if same_leaf else '')
    out = []
    for (sp, dp, ids), leaves in by_stem.items():
        if leaves != ['']:
            tail = leaves[0] if len(leaves) == 1 else '{' + ','.join(
                sorted(leaves)) + '}'
            sp, dp = f'{sp}.{tail}', f'{dp}.{tail}'
        out.append((_fill(sp, list(ids)), _fill(dp, list(ids))))
    return out


def format_report(meta: dict) -> List[str]:
    """The lines a converter tool prints about one conversion.

    Args:
        meta (dict): The ``meta`` returned by a converter, with optional
            ``renamed`` (pairs), ``dropped`` (keys), ``reshaped`` (lines),
            ``left_out`` (``{top-level name: tensor count}``), ``notes``
            (lines) and ``check`` (a :func:`check_loadable` result).

    Returns:
        list[str]: Human-readable lines.
    """
    lines = []
    renamed = summarize_renames(meta.get('renamed', []))
    lines.append('renamed: ' + ('none (keys unchanged)' if not renamed else
                                f'{len(meta["renamed"])} tensors'))
    lines += [f'  {r}' for r in renamed]
    dropped = summarize_keys(meta.get('dropped', []))
    lines.append('dropped from the encoder: ' +
                 (', '.join(dropped) if dropped else 'none'))
    lines += [f'reshaped: {r}' for r in meta.get('reshaped', [])]
    left = meta.get('left_out', {})
    if left:
        lines.append('not part of the encoder, left out: ' +
                     ', '.join(f'{k}.* ({n})'
                               for k, n in sorted(left.items())))
    lines += [f'note: {n}' for n in meta.get('notes', [])]
    check = meta.get('check')
    if check:
        lines.append(f'checked against {check["config"]} '
                     f'({check["backbone"]}): {check["num_keys"]} backbone '
                     'tensors, 0 missing, 0 unexpected, 0 shape mismatches')
    return lines
