# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Small helpers: what the tools add to mmengine's launch (CPU / gloo, AMP),
the train / test flags (``cli``), model-size overrides, registration and the
version check."""
from .launch import init_cpu_dist, setup_amp, setup_launcher
from .setup_env import register_all_modules
from .version_check import SUPPORTED_VERSIONS, check_versions

__all__ = [
    'SUPPORTED_VERSIONS', 'check_versions', 'init_cpu_dist',
    'register_all_modules', 'setup_amp', 'setup_launcher'
]
