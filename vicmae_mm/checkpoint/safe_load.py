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

Before unpickling, a local file is checked for completeness
(:func:`~vicmae_mm.checkpoint.integrity.checkpoint_problem`): a truncated,
empty or damaged file raises :class:`CorruptCheckpointError` naming the file,
the fault and the newest complete checkpoint next to it.

:func:`~vicmae_mm.checkpoint.schemes.install_safe_checkpoint_loader` (called
by ``import vicmae_mm``) routes every scheme mmengine's ``CheckpointLoader``
knows through these functions, so resume, ``load_from`` and
``init_cfg=dict(type='Pretrained')`` all use them.

Trusted legacy files that hold other objects can be loaded on purpose with
``VICMAE_TRUST_CHECKPOINTS=1`` in the environment (or ``trusted=True``):
this runs the full pickle machinery, i.e. the file can execute code.
"""
import codecs
import io
import os
import os.path as osp
import pickle
import re
from typing import IO, Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.logging.history_buffer import HistoryBuffer

from .integrity import (HEAD_SIZE, PICKLE_MAGIC, CorruptCheckpointError,
                        checkpoint_problem, corrupt_checkpoint_error,
                        header_problem)

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
    what = getattr(obj, '__qualname__', None) or type(obj).__name__
    raise UnsafeCheckpointError(
        f'the checkpoint calls getattr({what}, {name!r}); only the '
        'statistic methods of mmengine HistoryBuffer are allowed')


def _numpy_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """Numpy objects an mmengine checkpoint pickles, under numpy 1 and 2."""
    multiarray = np._core.multiarray if hasattr(np, '_core') \
        else np.core.multiarray
    entries: List[Union[Callable, Tuple[Callable,
                                        str]]] = [np.ndarray, np.dtype]
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


# What the restricted unpickler refused, from its message (torch wraps it in
# a long text and drops the original exception).
_REASONS = (
    (r'GLOBAL (\S+) (?:was not an allowed global|whose module)',
     'the global {}'),
    (r'calls (getattr\(.+?\));', '{}'),
    (r'call reduce for unrecognized function (.+?)(?: which belongs|$)',
     'a call to {}'),
    (r'Can only (?:build|create new object)[^\n]*but got (.+?)$',
     'an object of type {}'),
    (r'Unsupported operand (\d+)', 'pickle opcode {} (not allowed)'),
)


def refusal_reason(message: str) -> str:
    """What a ``weights_only`` refusal is about, in a few words."""
    for pattern, fmt in _REASONS:
        m = re.search(pattern, message, re.MULTILINE)
        if m:
            return fmt.format(m.group(1).strip().rstrip('.'))
    lines = [s for s in message.split('\n\n') if s.strip()]
    return lines[1].strip() if len(lines) > 1 else message.strip()


def _refusal(source: str, err: Exception) -> UnsafeCheckpointError:
    what = refusal_reason(str(err))
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {source}: it uses {what}, which is not '
        'on vicmae_mm\'s allow-list; load it only if you trust the file, '
        f'with {TRUST_ENV_VAR}=1 (or trusted=True).\n'
        'vicmae_mm loads checkpoints with torch weights_only=True plus an '
        'allow-list of what mmengine checkpoints hold (HistoryBuffer, numpy '
        'arrays/dtypes); anything else could run code while loading.\n'
        f'torch.load said: {err}')


def _torch_load(f: Union[str, IO[bytes]], source: str,
                map_location: Optional[Any], trusted: bool) -> Any:
    """``torch.load`` with the allow-list and our messages."""
    if trusted:
        print_log(
            f'Loading {source} with the full unpickler because it is '
            f'marked trusted ({TRUST_ENV_VAR}); it can run code.',
            logger='current',
            level=30)
    with torch.serialization.safe_globals(safe_globals()):
        try:
            return torch.load(
                f, map_location=map_location, weights_only=not trusted)
        except pickle.UnpicklingError as err:
            if trusted:
                raise
            raise _refusal(source, err) from None
        except EOFError as err:
            raise CorruptCheckpointError(
                f'checkpoint {source} cannot be loaded: it ends early '
                f'(EOFError {err}); the file is truncated') from err


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
        CorruptCheckpointError: if the file is empty, truncated, fails a
            CRC check or is not a checkpoint.
        UnsafeCheckpointError: if the pickle references a global outside
            the allow-list (and ``trusted`` is off).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    problem = checkpoint_problem(filename)
    if problem is not None:
        raise corrupt_checkpoint_error(filename, problem)
    trusted = _trusted_from_env() if trusted is None else trusted
    with open(filename, 'rb') as f:
        legacy = f.read(1) == PICKLE_MAGIC  # no index to check beforehand
    try:
        return _torch_load(filename, repr(filename), map_location, trusted)
    except (CorruptCheckpointError, pickle.UnpicklingError):
        raise  # UnsafeCheckpointError is an UnpicklingError
    except Exception as err:  # noqa: BLE001
        # A legacy file has the torch header (checked above) but nothing to
        # check the rest against: whatever its damage makes torch's
        # unpickler raise (IndexError, KeyError, struct.error, ...) means
        # a damaged file. A zip archive's damage shows as PytorchStreamReader
        # errors; anything else there is not ours to rename.
        if not (legacy or 'PytorchStreamReader' in str(err)):
            raise
        what = 'damaged legacy (non-zip) torch file: ' if legacy else ''
        raise corrupt_checkpoint_error(
            filename, f'{what}{type(err).__name__}: {err}'.splitlines()[0]
            if str(err) else f'{what}{type(err).__name__}') from err


def load_checkpoint_bytes(data: bytes,
                          source: str,
                          map_location: Optional[Any] = None) -> Any:
    """:func:`load_checkpoint_file` for a checkpoint held in memory.

    Args:
        data (bytes): The file's bytes.
        source (str): Where they came from (for messages).
        map_location (optional): as in :func:`torch.load`.

    Returns:
        Any: the unpickled checkpoint.
    """
    problem = header_problem(data[:HEAD_SIZE])
    if problem is not None:
        raise CorruptCheckpointError(
            f'checkpoint {source} cannot be loaded: {problem}')
    with io.BytesIO(data) as buffer:
        try:
            return _torch_load(buffer, source, map_location,
                               _trusted_from_env())
        except RuntimeError as err:
            if 'PytorchStreamReader' not in str(err):
                raise
            raise CorruptCheckpointError(
                f'checkpoint {source} cannot be loaded: truncated or '
                f'damaged ({len(data)} bytes): {err}'.splitlines()[0]) from err


def load_checkpoint_url(filename: str,
                        map_location: Optional[Any] = None,
                        model_dir: Optional[str] = None,
                        progress: bool = False) -> Any:
    """``http(s)://`` counterpart of :func:`load_checkpoint_file`.

    Downloads once into ``model_dir`` (torch hub's ``checkpoints`` folder by
    default; torch writes to a temporary file and renames it) and loads the
    cached file like a local one. Rank 0 downloads first, the other ranks
    then read the cache.
    """
    from urllib.parse import urlparse

    from mmengine.dist import barrier, get_dist_info
    rank, world_size = get_dist_info()
    folder = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    cached = osp.join(folder, osp.basename(urlparse(filename).path))

    def _load() -> Any:
        if not osp.isfile(cached):
            os.makedirs(folder, exist_ok=True)
            torch.hub.download_url_to_file(filename, cached, None, progress)
        try:
            return load_checkpoint_file(cached, map_location)
        except UnsafeCheckpointError as err:
            raise UnsafeCheckpointError(
                str(err).replace(
                    repr(cached), f'{filename} (cached as '
                    f'{cached})', 1)) from None
        except CorruptCheckpointError as err:
            raise CorruptCheckpointError(
                f'{err} It was downloaded from {filename}; delete the file '
                'to download it again.') from None

    checkpoint = _load() if rank == 0 else None
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = _load()
    return checkpoint
