# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Load mmengine checkpoints under ``torch>=2.6`` without running their code.

mmengine 0.10.7 calls ``torch.load(filename)``; since torch 2.6 that means
``weights_only=True``, which refuses every Runner checkpoint because of what
the message hub pickles (``HistoryBuffer``, numpy arrays and dtypes, and
``getattr(HistoryBuffer, 'min')``-style references to statistic methods).
Turning ``weights_only`` off would let a crafted checkpoint run arbitrary
code, so instead we keep torch's restricted ``weights_only`` unpickler and
allow-list exactly what mmengine writes:

- ``mmengine.logging.history_buffer.HistoryBuffer``;
- numpy arrays, dtypes, scalars and their reconstruct helpers (numpy 1 and 2
  module names);
- ``builtins.getattr``, mapped to :func:`restricted_getattr`, which only
  resolves the public statistic methods of ``HistoryBuffer``. The real
  ``getattr`` is never reachable: with it a pickle could walk from an allowed
  object to a function's ``__globals__`` and from there to ``os.system``.

:func:`install_safe_checkpoint_loader` (called by ``import vicmae_mm``)
registers :func:`load_checkpoint_file` as mmengine's loader for local paths
and ``http(s)://`` URLs, so resume, ``load_from`` and
``init_cfg=dict(type='Pretrained')`` all go through it.

Trusted legacy files that hold other objects can be loaded on purpose with
``VICMAE_TRUST_CHECKPOINTS=1`` in the environment (or ``trusted=True``):
this runs the full pickle machinery, i.e. the file can execute code.
"""
import codecs
import os
import os.path as osp
import pickle
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import MMLogger, print_log
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV_VAR = 'VICMAE_TRUST_CHECKPOINTS'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint references something outside the allow-list."""


def restricted_getattr(obj: Any, name: str) -> Any:
    """The only ``getattr`` a checkpoint may call.

    mmengine's ``HistoryBuffer`` pickles its statistic methods as
    ``getattr(HistoryBuffer, 'mean')``; nothing else is resolved.

    Raises:
        UnsafeCheckpointError: for any other object or attribute.
    """
    if (obj is HistoryBuffer and isinstance(name, str)
            and not name.startswith('_')
            and (name in ('min', 'max', 'mean', 'current')
                 or name in HistoryBuffer._statistics_methods)):
        return getattr(HistoryBuffer, name)
    raise UnsafeCheckpointError(
        f'the checkpoint calls getattr({obj!r}, {name!r}); only the '
        'statistic methods of mmengine HistoryBuffer are allowed')


def _numpy_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """Numpy objects an mmengine checkpoint pickles, under numpy 1 and 2."""
    multiarray = np._core.multiarray if hasattr(np, '_core') \
        else np.core.multiarray
    entries: List[Union[Callable, Tuple[Callable, str]]] = [
        np.ndarray, np.dtype
    ]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        entries += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return entries


def safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The allow-list passed to ``torch.serialization.safe_globals``."""
    return [
        HistoryBuffer,
        (codecs.encode, '_codecs.encode'),
        (restricted_getattr, 'builtins.getattr'),
    ] + _numpy_globals()


def _trusted_from_env() -> bool:
    return os.environ.get(TRUST_ENV_VAR, '').lower() in ('1', 'true', 'yes')


def _refusal(source: str, err: Exception) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {source}: {err}\n'
        'vicmae_mm loads checkpoints with torch weights_only=True plus an '
        'allow-list of what mmengine checkpoints hold (HistoryBuffer, numpy '
        'arrays/dtypes); this file references something else, which could '
        'run code on load. If you trust the file, load it on purpose with '
        f'{TRUST_ENV_VAR}=1 in the environment (or '
        'vicmae_mm.checkpoint.load_checkpoint_file(path, trusted=True)).')


def load_checkpoint_file(filename: str,
                         map_location: Optional[Any] = None,
                         trusted: Optional[bool] = None) -> Any:
    """Load a local checkpoint without executing code from it.

    Args:
        filename (str): path of the checkpoint.
        map_location (optional): as in :func:`torch.load`.
        trusted (bool, optional): load with the full unpickler (the file may
            run code). Defaults to ``None``, which reads
            ``VICMAE_TRUST_CHECKPOINTS`` from the environment.

    Returns:
        Any: the unpickled checkpoint, usually a dict.

    Raises:
        FileNotFoundError: if ``filename`` is not a file.
        UnsafeCheckpointError: if the pickle references a global outside
            the allow-list (and ``trusted`` is off).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    trusted = _trusted_from_env() if trusted is None else trusted
    if trusted:
        print_log(
            f'Loading {filename} with the full unpickler because it is '
            f'marked trusted ({TRUST_ENV_VAR}); it can run code.',
            logger='current', level=30)
    with torch.serialization.safe_globals(safe_globals()):
        try:
            return torch.load(
                filename, map_location=map_location, weights_only=not trusted)
        except pickle.UnpicklingError as err:
            raise _refusal(repr(filename), err) from err


def load_checkpoint_url(filename: str,
                        map_location: Optional[Any] = None,
                        model_dir: Optional[str] = None,
                        progress: bool = False) -> Any:
    """``http(s)://`` counterpart of :func:`load_checkpoint_file`.

    mmengine downloads through ``torch.hub.load_state_dict_from_url``, whose
    ``weights_only`` defaults to False; we keep it on, as for local files.
    """
    from mmengine.dist import barrier, get_dist_info
    trusted = _trusted_from_env()
    rank, world_size = get_dist_info()

    def _load() -> Any:
        with torch.serialization.safe_globals(safe_globals()):
            try:
                return torch.hub.load_state_dict_from_url(
                    filename,
                    model_dir=model_dir,
                    map_location=map_location,
                    progress=progress,
                    weights_only=not trusted)
            except pickle.UnpicklingError as err:
                raise _refusal(filename, err) from err

    # Rank 0 downloads first so the other ranks find the file in the cache.
    checkpoint = _load() if rank == 0 else None
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = _load()
    return checkpoint


def load_from_safe_local(filename: str,
                         map_location: Optional[Any] = None) -> Any:
    """mmengine scheme loader for local paths (its log calls it by name)."""
    return load_checkpoint_file(filename, map_location)


def load_from_safe_http(filename: str,
                        map_location: Optional[Any] = None,
                        model_dir: Optional[str] = None,
                        progress: bool = False) -> Any:
    """mmengine scheme loader for ``http(s)://`` URLs."""
    return load_checkpoint_url(filename, map_location, model_dir, progress)


def install_safe_checkpoint_loader() -> None:
    """Make mmengine load local and http(s) checkpoints safely.

    Registers :func:`load_checkpoint_file` for the ``''`` (local) scheme and
    :func:`load_checkpoint_url` for ``http://``/``https://`` in
    ``mmengine.runner.CheckpointLoader`` (mmengine logs "Loads checkpoint by
    safe_local backend"). Idempotent.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_safe_local, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'),
        loader=load_from_safe_http,
        force=True)
    MMLogger.get_current_instance().debug(
        'vicmae_mm: safe checkpoint loader installed')
