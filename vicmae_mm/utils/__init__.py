# Copyright (c) vicmae_mm contributors. All rights reserved.
from .checkpoint import (TRUST_ENV_VAR, UnsafeCheckpointError,
                         install_safe_checkpoint_loader, load_checkpoint_file)
from .launch import setup_amp, setup_launcher
from .setup_env import register_all_modules
from .version_check import SUPPORTED_VERSIONS, check_versions

__all__ = [
    'SUPPORTED_VERSIONS', 'check_versions', 'TRUST_ENV_VAR',
    'UnsafeCheckpointError', 'install_safe_checkpoint_loader',
    'load_checkpoint_file', 'register_all_modules', 'setup_amp',
    'setup_launcher'
]
