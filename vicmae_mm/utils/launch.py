# Copyright (c) vicmae_mm contributors. All rights reserved.
"""What ``tools/train.py`` and ``tools/test.py`` add to mmengine's launch.

mmengine sets the environment up itself: ``Runner.setup_env`` calls
``mmengine.utils.dl_utils.set_multi_processing`` (start method, OpenCV / OMP /
MKL threads) and ``mmengine.dist.init_dist(launcher, **env_cfg.dist_cfg)``,
which reads the torchrun, SLURM (``scontrol`` for the master address) or Open
MPI variables and converts ``timeout``. This module does none of that again.
It only covers what mmengine 0.10.7 cannot do:

- **Distributed CPU.** All three paths of ``init_dist``
  (``_init_dist_pytorch``, ``_init_dist_slurm``, ``_init_dist_mpi``) call
  ``torch.cuda.set_device`` before ``init_process_group``, which raises
  "Found no NVIDIA driver" without CUDA, and the Runner then wraps the model
  with ``device_ids=[LOCAL_RANK]``, which DDP refuses for CPU parameters.
  :func:`setup_launcher` picks gloo and ``CPUDistributedDataParallel`` and
  initialises the group *before* the Runner exists, through mmengine's own
  ``set_multi_processing`` and ``init_dist`` with only the device selection
  skipped (:func:`init_cpu_dist`); the Runner sees an initialised group and
  does not call ``init_dist`` again. With CUDA nothing changes.
- **AMP on CPU.** ``AmpOptimWrapper`` asserts a GPU in its constructor;
  :func:`setup_amp` turns ``--amp`` into bf16 autocast with CUDA and into an
  error that says what to do without it.
"""
import contextlib
from typing import Iterator, Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, ConfigDict
from mmengine.dist import init_dist
from mmengine.utils.dl_utils import set_multi_processing

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')
AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')
CPU_WRAPPER = 'mmpretrain.CPUDistributedDataParallel'


@contextlib.contextmanager
def _no_cuda_device_selection() -> Iterator[None]:
    """Make ``torch.cuda.set_device`` a no-op while mmengine initialises.

    It is the only CUDA call on ``init_dist``'s paths; a CPU process has no
    device to select.
    """
    set_device = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        yield
    finally:
        torch.cuda.set_device = set_device


def init_cpu_dist(launcher: str,
                  dist_cfg: Optional[dict] = None,
                  mp_cfg: Optional[dict] = None) -> None:
    """Initialise a gloo process group on a machine without CUDA.

    Runs what ``Runner.setup_env`` would run (mmengine's
    ``set_multi_processing`` and ``init_dist``) with ``backend='gloo'`` and
    without the device selection. Does nothing when a group exists.

    Args:
        launcher (str): ``'pytorch'`` (torchrun), ``'slurm'`` or ``'mpi'``.
        dist_cfg (dict, optional): ``env_cfg.dist_cfg``; its ``timeout``
            (seconds) is kept, its backend replaced. Defaults to None.
        mp_cfg (dict, optional): ``env_cfg.mp_cfg``. Defaults to None.
    """
    if launcher not in LAUNCHERS[1:]:
        raise ValueError(f'launcher must be one of {LAUNCHERS[1:]} to '
                         f'initialise a process group, got {launcher!r}')
    if torch_dist.is_available() and torch_dist.is_initialized():
        return
    set_multi_processing(**(mp_cfg or {}), distributed=True)
    with _no_cuda_device_selection():
        init_dist(launcher, **dict(dist_cfg or {}, backend='gloo'))


def setup_launcher(cfg: Config,
                   launcher: str,
                   cuda: Optional[bool] = None,
                   init_group: bool = True) -> Config:
    """Make ``cfg`` launchable with ``launcher`` on this machine.

    Sets ``cfg.launcher``. With CUDA (or ``launcher='none'``) that is all:
    the Runner initialises NCCL itself. Without CUDA it sets
    ``env_cfg.dist_cfg.backend='gloo'`` and a ``CPUDistributedDataParallel``
    wrapper (``device_ids=None``, ``SyncBN`` reverted to ``BN``; a wrapper of
    the config keeps its other keys), then, when ``init_group`` is True,
    initialises the group with :func:`init_cpu_dist`.

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

    Example:
        >>> from mmengine.config import Config
        >>> cfg = setup_launcher(Config(dict(model=dict())), 'pytorch',
        ...                      cuda=False, init_group=False)
        >>> cfg.env_cfg.dist_cfg.backend, cfg.model_wrapper_cfg.type
        ('gloo', 'mmpretrain.CPUDistributedDataParallel')
    """
    if launcher not in LAUNCHERS:
        raise ValueError(
            f'launcher must be one of {LAUNCHERS}, got {launcher!r}')
    cfg.launcher = launcher
    if cuda is None:
        cuda = torch.cuda.is_available()
    if launcher == 'none' or cuda:
        return cfg
    env_cfg = cfg.setdefault('env_cfg', ConfigDict())
    env_cfg.setdefault('dist_cfg', ConfigDict()).backend = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or ConfigDict(
        type=CPU_WRAPPER,
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get('type', 'MMDistributedDataParallel') == \
            'MMDistributedDataParallel':
        wrapper['type'] = CPU_WRAPPER
    if 'DistributedDataParallel' in wrapper['type']:
        wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if init_group:
        init_cpu_dist(launcher, env_cfg.dist_cfg, env_cfg.get('mp_cfg'))
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
            raise RuntimeError('--amp needs an `optim_wrapper` in the config')
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
