# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Checkpoint safety: load mmengine checkpoints without running their code."""
from .safe_load import (TRUST_ENV_VAR, UnsafeCheckpointError,
                        install_safe_checkpoint_loader, load_checkpoint_file,
                        load_checkpoint_url)

__all__ = [
    'TRUST_ENV_VAR', 'UnsafeCheckpointError', 'install_safe_checkpoint_loader',
    'load_checkpoint_file', 'load_checkpoint_url'
]
