# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Small helpers: launcher set-up, model-size overrides, registration and the
version check."""
from .launch import setup_amp, setup_launcher
from .setup_env import register_all_modules
from .version_check import SUPPORTED_VERSIONS, check_versions

__all__ = [
    'SUPPORTED_VERSIONS', 'check_versions', 'register_all_modules',
    'setup_amp', 'setup_launcher'
]
