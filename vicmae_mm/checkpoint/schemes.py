# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Route every mmengine checkpoint scheme through the safe loader.

mmengine 0.10.7's ``CheckpointLoader`` knows local paths, ``http(s)://``,
``pavi://``, ``s3://`` / ``petrel://`` (optionally ``backend:`` prefixed),
``modelzoo://`` / ``torchvision://``, ``open-mmlab://`` / ``openmmlab://``
and ``mmcls://``. Its loaders call ``torch.load`` or ``torch.hub``'s
``load_url`` directly (the latter with ``weights_only=False``), and the
name-based ones call mmengine's ``load_from_http`` by module-global name, so
replacing the http loader alone does not cover them. Each scheme therefore
gets a loader here that resolves the name with mmengine's own tables
(``get_torchvision_models``, ``get_external_models``, ...) and loads through
:mod:`vicmae_mm.checkpoint.safe_load`. A scheme registered by another
package before ``import vicmae_mm`` is refused unless the user opts in
(``VICMAE_TRUST_CHECKPOINTS=1``), since its loader cannot be vouched for.
"""
import logging
import os.path as osp
from tempfile import TemporaryDirectory
from typing import Any, Callable, Dict, Optional

from mmengine.fileio import get_file_backend
from mmengine.logging import MMLogger, print_log
from mmengine.runner import checkpoint as mm_ckpt
from mmengine.runner.checkpoint import CheckpointLoader

from .safe_load import (TRUST_ENV_VAR, UnsafeCheckpointError,
                        _trusted_from_env, load_checkpoint_bytes,
                        load_checkpoint_file, load_checkpoint_url)


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


def load_from_safe_pavi(filename: str,
                        map_location: Optional[Any] = None) -> Any:
    """``pavi://`` (OpenMMLab model cloud): download, then load safely."""
    try:
        from pavi import modelcloud
    except ImportError:
        raise ImportError(
            'Please install pavi to load checkpoint from modelcloud.')
    model = modelcloud.get(filename[len('pavi://'):])
    with TemporaryDirectory() as tmp_dir:
        downloaded = osp.join(tmp_dir, model.name)
        model.download(downloaded)
        return load_checkpoint_file(downloaded, map_location)


def load_from_safe_ceph(filename: str,
                        map_location: Optional[Any] = None,
                        backend: str = 'petrel') -> Any:
    """``s3://`` / ``petrel://``: read the bytes, then load safely."""
    file_backend = get_file_backend(
        filename, backend_args={'backend': backend})
    return load_checkpoint_bytes(
        file_backend.get(filename), filename, map_location)


def _lookup(table: Dict[str, str], name: str, scheme: str) -> str:
    if name not in table:
        raise KeyError(f'{scheme}{name} is not a known model name of that '
                       f'scheme (e.g. {sorted(table)[:3]})')
    return table[name]


def load_from_safe_torchvision(filename: str,
                               map_location: Optional[Any] = None) -> Any:
    """``torchvision://NAME`` (``modelzoo://NAME``, deprecated)."""
    scheme = filename[:filename.index('://') + 3]
    if scheme == 'modelzoo://':
        print_log(
            'The URL scheme of "modelzoo://" is deprecated, please '
            'use "torchvision://" instead',
            logger='current',
            level=logging.WARNING)
    url = _lookup(mm_ckpt.get_torchvision_models(), filename[len(scheme):],
                  scheme)
    return load_checkpoint_url(url, map_location)


def load_from_safe_openmmlab(filename: str,
                             map_location: Optional[Any] = None) -> Any:
    """``open-mmlab://NAME`` / ``openmmlab://NAME``: mmengine's model table,
    a URL or a file under the mmengine home folder."""
    scheme = filename[:filename.index('://') + 3]
    name = filename[len(scheme):]
    deprecated = mm_ckpt.get_deprecated_model_names()
    if name in deprecated:
        print_log(
            f'{scheme}{name} is deprecated in favor of '
            f'{scheme}{deprecated[name]}',
            logger='current',
            level=logging.WARNING)
        name = deprecated[name]
    url = _lookup(mm_ckpt.get_external_models(), name, scheme)
    if url.startswith(('http://', 'https://')):
        return load_checkpoint_url(url, map_location)
    return load_checkpoint_file(
        osp.join(mm_ckpt._get_mmengine_home(), url), map_location)


def load_from_safe_mmcls(filename: str,
                         map_location: Optional[Any] = None) -> Any:
    """``mmcls://NAME``: backbone weights of an mmcls model."""
    url = _lookup(mm_ckpt.get_mmcls_models(), filename[len('mmcls://'):],
                  'mmcls://')
    return mm_ckpt._process_mmcls_checkpoint(
        load_checkpoint_url(url, map_location))


#: mmengine 0.10.7's scheme prefixes -> the safe loader for each.
SAFE_LOADERS: Dict[str, Callable] = {
    '': load_from_safe_local,
    'http://': load_from_safe_http,
    'https://': load_from_safe_http,
    'pavi://': load_from_safe_pavi,
    r'(\S+\:)?s3://': load_from_safe_ceph,
    r'(\S+\:)?petrel://': load_from_safe_ceph,
    'modelzoo://': load_from_safe_torchvision,
    'torchvision://': load_from_safe_torchvision,
    'open-mmlab://': load_from_safe_openmmlab,
    'openmmlab://': load_from_safe_openmmlab,
    'mmcls://': load_from_safe_mmcls,
}


def _refuse_unknown(prefix: str, loader: Callable) -> Callable:
    """Wrap a third-party scheme loader: refused unless trusted."""

    def load_from_unvetted(filename: str,
                           map_location=None,
                           *args,
                           **kwargs) -> Any:
        if not _trusted_from_env():
            raise UnsafeCheckpointError(
                f'Refused to load {filename}: its scheme {prefix!r} is '
                f'served by {loader.__module__}.{loader.__qualname__}, '
                'which vicmae_mm cannot check for code execution; load it '
                f'only if you trust it, with {TRUST_ENV_VAR}=1.')
        return loader(filename, map_location, *args, **kwargs)

    load_from_unvetted.wrapped_loader = loader  # type: ignore
    return load_from_unvetted


def install_safe_checkpoint_loader() -> None:
    """Make every mmengine checkpoint scheme load safely.

    Registers the loaders of :data:`SAFE_LOADERS` in
    ``mmengine.runner.CheckpointLoader`` (mmengine then logs e.g. "Loads
    checkpoint by safe_local backend") and wraps any other scheme already
    registered so that it is refused unless ``VICMAE_TRUST_CHECKPOINTS=1``.
    Idempotent.
    """
    ours = set(SAFE_LOADERS.values())
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if (prefix not in SAFE_LOADERS and loader not in ours
                and not hasattr(loader, 'wrapped_loader')):
            CheckpointLoader.register_scheme(
                prefix, loader=_refuse_unknown(prefix, loader), force=True)
    for prefix, loader in SAFE_LOADERS.items():
        CheckpointLoader.register_scheme(prefix, loader=loader, force=True)
    MMLogger.get_current_instance().debug(
        'vicmae_mm: safe checkpoint loaders installed')
