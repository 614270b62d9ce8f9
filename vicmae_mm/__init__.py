# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE for OpenMMLab.

``import vicmae_mm`` (or ``custom_imports=dict(imports=['vicmae_mm'])`` in a
config) checks the installed OpenMMLab versions, registers every component
into mmpretrain's registries (mmaction2's for the video fine-tuning pieces),
installs the safe checkpoint loader used by resume, ``load_from`` and
``init_cfg=dict(type='Pretrained')`` (every mmengine checkpoint scheme) and
makes mmengine's local file backend write atomically (checkpoints included).
"""
from .utils.version_check import check_versions
from .version import __version__, version_info

check_versions()

from . import datasets, engine, models  # noqa: E402,F401  (registration)
from .checkpoint import (install_atomic_local_backend,  # noqa: E402
                         install_safe_checkpoint_loader)

install_safe_checkpoint_loader()
install_atomic_local_backend()

__all__ = ['__version__', 'version_info', 'check_versions']
