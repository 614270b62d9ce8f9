# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Checkpoint safety: load without running code, write atomically, tell a
complete checkpoint from a truncated one."""
from .atomic_write import (AtomicLocalBackend, atomic_write_bytes,
                           install_atomic_local_backend)
from .integrity import (CorruptCheckpointError, checkpoint_problem,
                        latest_complete_checkpoint)
from .safe_load import (TRUST_ENV_VAR, UnsafeCheckpointError,
                        load_checkpoint_bytes, load_checkpoint_file,
                        load_checkpoint_url)
from .schemes import SAFE_LOADERS, install_safe_checkpoint_loader

__all__ = [
    'AtomicLocalBackend', 'CorruptCheckpointError', 'SAFE_LOADERS',
    'TRUST_ENV_VAR', 'UnsafeCheckpointError', 'atomic_write_bytes',
    'checkpoint_problem', 'install_atomic_local_backend',
    'install_safe_checkpoint_loader', 'latest_complete_checkpoint',
    'load_checkpoint_bytes', 'load_checkpoint_file', 'load_checkpoint_url'
]
