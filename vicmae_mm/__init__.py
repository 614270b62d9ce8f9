# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE for OpenMMLab.

``import vicmae_mm`` (or ``custom_imports=dict(imports=['vicmae_mm'])`` in a
config) checks the installed OpenMMLab versions, registers every component
into mmpretrain's registries (mmaction2's for the video fine-tuning pieces)
and installs the safe checkpoint loader used by resume, ``load_from`` and
``init_cfg=dict(type='Pretrained')``.
"""
from .utils.version_check import check_versions
from .version import __version__, version_info

check_versions()

from . import datasets, engine, models  # noqa: E402,F401  (registration)
from .checkpoint import install_safe_checkpoint_loader  # noqa: E402

install_safe_checkpoint_loader()

__all__ = ['__version__', 'version_info', 'check_versions']
