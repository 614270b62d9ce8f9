# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Convert for a named config and prove the result loads into it.

mmengine loads a checkpoint with ``strict=False``: a missing, unexpected or
wrongly shaped tensor is skipped with a log line, and fine-tuning silently
starts from random weights there. :func:`convert_for_config` builds the
config's backbone (mmpretrain's ``VisionTransformer``, mmaction's
``VisionTransformer`` or ``ClsTokenVideoViT``), reads the layout the
converter must produce from the built module (final norm, image size,
frames, tubelet, CLS token) and refuses with the offending keys unless
every backbone tensor of the output matches one of the model.
"""
import importlib
from typing import Callable, Dict, List, Optional, Tuple, Union

from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from .report import format_report, summarize_keys
from .state_dict import (StateDict, describe_vit, encoder_state_dict,
                         load_state_dict_file, save_converted)
from .to_mmaction import vicmae_to_mmaction

_BUFFER_NOTE = (
    'pos_embed replaces the target\'s fixed sinusoidal buffer '
    '(use_learnable_pos_emb=False): intended, the encoder was trained with '
    'this 2-D sin-cos embedding; it stays fixed while fine-tuning and has no '
    'temporal component (use_learnable_pos_emb=True lets one be learned)')


def build_config_backbone(config: Union[str, Config]) -> Tuple[nn.Module, str]:
    """Build ``model.backbone`` of a config, in the config's scope.

    Args:
        config (str | Config): A config file (``_base_`` resolved) or a
            loaded config.

    Returns:
        tuple[nn.Module, str]: The backbone (not initialised) and the
        config's ``default_scope`` ('mmpretrain' when unset).
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if 'backbone' not in cfg.get('model', {}):
        raise ValueError(f'{getattr(cfg, "filename", config)} has no '
                         'model.backbone to convert for')
    scope = cfg.get('default_scope', None) or 'mmpretrain'
    backbone = dict(cfg.model.backbone)
    backbone['init_cfg'] = None  # shapes only: no Pretrained loading here
    registry = importlib.import_module(f'{scope}.registry').MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return registry.build(backbone), scope


def target_layout(backbone: nn.Module) -> dict:
    """The converter arguments that produce ``backbone``'s layout.

    Args:
        backbone (nn.Module): mmpretrain ``VisionTransformer`` (per-frame
            route 'frame'), mmaction ``VisionTransformer`` or
            ``ClsTokenVideoViT`` (route 'spacetime').

    Returns:
        dict: Keyword arguments of :func:`vicmae_to_mmaction`.
    """
    from mmaction.models.backbones import VisionTransformer as VideoViT
    from mmpretrain.models.backbones import VisionTransformer as ImageViT
    if isinstance(backbone, ImageViT):
        final_norm = ('ln1' if backbone.final_norm else
                      'ln2' if backbone.out_type == 'avg_featmap' else 'drop')
        return dict(route='frame',
                    final_norm=final_norm,
                    img_size=backbone.img_size[0])
    if isinstance(backbone, VideoViT):
        tubelet = backbone.patch_embed.projection.weight.shape[2]
        grid = backbone.grid_size
        steps = backbone.pos_embed.shape[1] // (grid[0] * grid[1])
        return dict(route='spacetime',
                    num_frames=steps * tubelet,
                    tubelet_size=tubelet,
                    cls_token=hasattr(backbone, 'cls_token'),
                    img_size=grid[0] * backbone.patch_size)
    raise ValueError(
        f'cannot convert for a {type(backbone).__name__} backbone; expected '
        "mmpretrain's or mmaction's VisionTransformer or ClsTokenVideoViT")


def check_loadable(state_dict: StateDict,
                   backbone: nn.Module,
                   prefix: str = 'backbone.') -> Dict[str, List]:
    """Compare converted weights with a model, as ``load_state_dict`` would.

    Args:
        state_dict (dict[str, Tensor]): Converted weights.
        backbone (nn.Module): The target backbone.
        prefix (str): Prefix of the backbone keys in ``state_dict``.
            Defaults to 'backbone.'.

    Returns:
        dict[str, list]: ``missing`` (model keys without a tensor),
        ``unexpected`` (tensors the model lacks) and ``mismatched``
        (``(key, checkpoint shape, model shape)``).
    """
    ours = {
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    }
    model = backbone.state_dict()
    return dict(missing=sorted(set(model) - set(ours)),
                unexpected=sorted(set(ours) - set(model)),
                mismatched=[(k, tuple(ours[k].shape), tuple(model[k].shape))
                            for k in sorted(set(ours) & set(model))
                            if ours[k].shape != model[k].shape])


def _refusal(res: dict,
             name: str,
             backbone: nn.Module,
             scope: str,
             info: dict,
             shown: int = 6) -> str:
    """The message of a refused conversion: sizes first, then keys."""
    layers = getattr(backbone, 'layers', getattr(backbone, 'blocks', []))
    lines = [
        f'{k}: {summarize_keys(v)}' for k, v in res.items()
        if v and k != 'mismatched'
    ]
    lines += [
        f'shape mismatch: {k} is {a} here, {b} in the model'
        for k, a, b in res['mismatched'][:shown]
    ]
    if len(res['mismatched']) > shown:
        lines.append(f'... {len(res["mismatched"]) - shown} more shape '
                     'mismatches')
    return (f'the converted weights do not load cleanly into model.backbone '
            f'of {name} ({type(backbone).__name__}, scope {scope}; '
            f'{getattr(backbone, "embed_dims", "?")} dims, {len(layers)} '
            f'layers); the checkpoint holds {info["name"]}: ' +
            '; '.join(lines))


def convert_for_config(state_dict: StateDict,
                       config: Union[str, Config],
                       arch: Optional[str] = None,
                       progress: bool = False) -> Tuple[StateDict, dict]:
    """Convert a ViC-MAE encoder for the backbone of ``config`` and check.

    Args:
        state_dict (dict[str, Tensor]): Full ViC-MAE or bare encoder dict.
        config (str | Config): The fine-tuning config the output is for,
            e.g. mmpretrain's ``mae/benchmarks/vit-base-p16_8xb128-coslr-
            100e_in1k.py`` or mmaction2's ``recognition/videomae/vit-base-
            p16_videomae-k400-pre_16x4x1_kinetics-400.py``.
        arch (str, optional): Expected size, checked. Defaults to None.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        tuple[dict, dict]: ``backbone.*`` weights and ``meta`` (with the
        ``layout`` read from the config and a ``check`` summary).

    Raises:
        ValueError: when a backbone tensor of the model would be missing,
            unexpected or of another shape, naming them.
    """
    backbone, scope = build_config_backbone(config)
    layout = target_layout(backbone)
    info = describe_vit(encoder_state_dict(state_dict))
    if info['grid'] * info['patch_size'] == layout['img_size']:
        layout['img_size'] = None  # same size: no resizing
    out, meta = vicmae_to_mmaction(state_dict,
                                   arch=arch,
                                   progress=progress,
                                   **layout)
    if scope == 'mmpretrain':
        meta['target'] = 'mmpretrain.VisionTransformer'
    res = check_loadable(out, backbone)
    name = config if isinstance(config, str) else config.filename
    if any(res.values()):
        raise ValueError(_refusal(res, name, backbone, scope, info))
    if 'pos_embed' in dict(backbone.named_buffers()):
        meta['notes'].append(_BUFFER_NOTE)
    given = {k: v for k, v in layout.items() if v is not None}
    meta.update(layout=given,
                check=dict(config=str(name),
                           backbone=type(backbone).__name__,
                           num_keys=len(out)))
    return out, meta


def convert_file(src: str,
                 dst: str,
                 convert: Callable[[StateDict], Tuple[StateDict, dict]],
                 config: Optional[str] = None,
                 arch: Optional[str] = None) -> dict:
    """Load, convert, save and report: the body of the converter tools.

    Args:
        src (str): Source checkpoint (loaded without running code).
        dst (str): Output file (``{'state_dict', 'meta'}``).
        convert (callable): ``state_dict -> (state_dict, meta)`` used when
            no ``config`` is given.
        config (str, optional): Convert for this config's backbone with
            :func:`convert_for_config` (checked). Defaults to None.
        arch (str, optional): Expected size with ``config``. Defaults to
            None.

    Returns:
        dict: The ``meta`` written to ``dst``.
    """
    state_dict = load_state_dict_file(src)
    if config is not None:
        out, meta = convert_for_config(state_dict, config, arch, progress=True)
    else:
        out, meta = convert(state_dict)
    meta['source'] = src
    save_converted(out, meta, dst)
    for line in format_report(meta):
        print(line)
    if config is None:
        layout = {
            k: meta[k]
            for k in ('img_size', 'final_norm', 'num_frames', 'tubelet_size',
                      'cls_token') if k in meta
        }
        print(f'layout {layout} for {meta["target"]}, not checked against '
              'a config: pass --config CONFIG to refuse a mismatch')
    print(f'wrote {len(out)} tensors to {dst}')
    return meta
