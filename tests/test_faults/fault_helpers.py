# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Small helpers of the fault suite (not a test module)."""
import functools
import importlib.util
import os.path as osp
from types import ModuleType

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@functools.lru_cache(maxsize=None)
def load_tool(relpath: str) -> ModuleType:
    """Import a script under ``tools/`` as a module (its ``main`` unrun),
    once per process."""
    path = osp.join(REPO, relpath)
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f'tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def first_line(err: BaseException) -> str:
    """The first line of an exception's message."""
    return str(err).strip().splitlines()[0] if str(err).strip() else ''


def pretrained_init(path: str) -> None:
    """Build a tiny ViT with ``init_cfg=Pretrained(path)`` and init it."""
    from mmpretrain.registry import MODELS
    MODELS.build(
        dict(
            type='VisionTransformer',
            arch=dict(
                embed_dims=32,
                num_layers=1,
                num_heads=2,
                feedforward_channels=32),
            img_size=32,
            patch_size=8,
            init_cfg=dict(
                type='Pretrained', checkpoint=path,
                prefix='backbone.'))).init_weights()
