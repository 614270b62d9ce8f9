# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Launcher helpers shared by ``tools/train.py`` and ``tools/test.py``.

mmengine 0.10.7 assumes CUDA whenever ``launcher != 'none'``:
``mmengine.dist.init_dist('pytorch')`` calls ``torch.cuda.set_device`` and the
Runner wraps the model in ``MMDistributedDataParallel(device_ids=[LOCAL_RANK])``.
On a machine without CUDA both fail. :func:`setup_launcher` makes the choice
the tools need: NCCL and mmengine's own initialisation with CUDA; on CPU a
gloo process group initialised here (the Runner then skips ``init_dist``
because the group already exists) and a DDP wrapper with ``device_ids=None``
that reverts ``SyncBN`` (which needs CUDA) to per-process ``BN``.
"""
import datetime
import os
import subprocess
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, ConfigDict

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')
AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')


def _slurm_env() -> None:
    """Translate SLURM variables into the ``env://`` ones torch reads."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')
    os.environ.setdefault('MASTER_PORT', '29500')


def _mpi_env() -> None:
    """Translate Open MPI variables into the ``env://`` ones torch reads."""
    os.environ.setdefault('RANK', os.environ['OMPI_COMM_WORLD_RANK'])
    os.environ.setdefault('WORLD_SIZE', os.environ['OMPI_COMM_WORLD_SIZE'])
    os.environ.setdefault('LOCAL_RANK',
                          os.environ.get('OMPI_COMM_WORLD_LOCAL_RANK', '0'))
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', '29500')


def init_cpu_process_group(launcher: str,
                           timeout: Optional[float] = None) -> None:
    """Initialise a gloo process group from the launcher's environment.

    Args:
        launcher (str): One of ``'pytorch'`` (torchrun), ``'slurm'`` or
            ``'mpi'``.
        timeout (float, optional): Collective timeout in seconds, as in
            mmengine's ``env_cfg.dist_cfg.timeout``. Defaults to None
            (torch's default).
    """
    if torch_dist.is_initialized():
        return
    if launcher == 'slurm':
        _slurm_env()
    elif launcher == 'mpi':
        _mpi_env()
    elif launcher != 'pytorch':
        raise ValueError(f'launcher must be one of {LAUNCHERS[1:]} to '
                         f'initialise a process group, got {launcher!r}')
    kwargs = {}
    if timeout is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    torch_dist.init_process_group(backend='gloo', **kwargs)


def setup_launcher(cfg: Config,
                   launcher: str,
                   cuda: Optional[bool] = None,
                   init_group: bool = True) -> Config:
    """Make ``cfg`` launchable with ``launcher`` on this machine.

    With CUDA nothing changes except ``cfg.launcher``: mmengine initialises
    NCCL itself. Without CUDA and ``launcher != 'none'`` this sets
    ``env_cfg.dist_cfg.backend='gloo'``, a CPU-safe
    ``model_wrapper_cfg`` (``CPUDistributedDataParallel``: ``device_ids=None``
    and ``SyncBN`` reverted to ``BN``, keeping ``find_unused_parameters``
    from the config)
    and, when ``init_group`` is True, initialises the gloo group before the
    Runner exists.

    Args:
        cfg (Config): The config, modified in place.
        launcher (str): One of ``'none'``, ``'pytorch'``, ``'slurm'``,
            ``'mpi'``.
        cuda (bool, optional): Whether CUDA is usable. Defaults to None
            (``torch.cuda.is_available()``).
        init_group (bool): Initialise the gloo group on CPU. Tests pass False
            to inspect the config only. Defaults to True.

    Returns:
        Config: ``cfg`` itself.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(
            f'launcher must be one of {LAUNCHERS}, got {launcher!r}')
    cfg.launcher = launcher
    if launcher == 'none':
        return cfg
    if cuda is None:
        cuda = torch.cuda.is_available()
    if cuda:
        cfg.setdefault('env_cfg', ConfigDict())
        cfg.env_cfg.setdefault('dist_cfg', ConfigDict(backend='nccl'))
        return cfg
    cfg.setdefault('env_cfg', ConfigDict())
    cfg.env_cfg.setdefault('dist_cfg', ConfigDict())
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or ConfigDict(
        type='mmpretrain.CPUDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get('type') == 'MMDistributedDataParallel':
        wrapper['type'] = 'mmpretrain.CPUDistributedDataParallel'
    if 'DistributedDataParallel' in str(wrapper.get('type', '')):
        wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if init_group:
        init_cpu_process_group(launcher, cfg.env_cfg.dist_cfg.get('timeout'))
    return cfg


def setup_amp(cfg: Config,
              amp: bool = False,
              cuda: Optional[bool] = None) -> Config:
    """Resolve mixed precision for this machine.

    ``amp=True`` (the ``--amp`` flag) switches ``optim_wrapper`` to
    ``AmpOptimWrapper`` with bf16 autocast, which needs CUDA. A config that
    asks for ``AmpOptimWrapper`` itself is refused on CPU with a message that
    says how to override it; when the type has been overridden to
    ``OptimWrapper`` the AMP-only keys (``loss_scale``, ``dtype``,
    ``use_fsdp``) left by the config are dropped.

    Args:
        cfg (Config): The config, modified in place.
        amp (bool): Whether ``--amp`` was given. Defaults to False.
        cuda (bool, optional): Whether CUDA is usable. Defaults to None
            (``torch.cuda.is_available()``).

    Returns:
        Config: ``cfg`` itself.

    Raises:
        RuntimeError: AMP asked for on a machine without CUDA.
    """
    if cuda is None:
        cuda = torch.cuda.is_available()
    wrapper = cfg.get('optim_wrapper')
    if wrapper is None:
        if amp:
            raise ValueError('--amp needs an `optim_wrapper` in the config')
        return cfg
    if amp:
        if not cuda:
            raise RuntimeError(
                '--amp needs a CUDA GPU (bf16 autocast through mmengine '
                'AmpOptimWrapper); no CUDA device is available, so train '
                'without --amp on this machine.')
        wrapper.type = 'AmpOptimWrapper'
        wrapper.setdefault('dtype', 'bfloat16')
        wrapper.setdefault('loss_scale', 'dynamic')
        return cfg
    if wrapper.get('type') == 'AmpOptimWrapper' and not cuda:
        raise RuntimeError(
            'The config uses optim_wrapper.type=AmpOptimWrapper, which needs '
            'a CUDA GPU; no CUDA device is available. To train on CPU add '
            '`--cfg-options optim_wrapper.type=OptimWrapper`.')
    if wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
        for key in AMP_ONLY_KEYS:
            wrapper.pop(key, None)
    return cfg
