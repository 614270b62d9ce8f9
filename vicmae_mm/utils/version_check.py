# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Import-time check of the OpenMMLab stack that ``vicmae_mm`` runs on.

The ranges are the ones we test (see ``requirements/runtime.txt`` for the
exact pins). mmcv is deliberately not an install requirement: OpenMMLab users
either have the full ``mmcv`` (compiled ops, CUDA) or install ``mmcv-lite``;
both import as ``mmcv``.
"""
import importlib
from typing import Dict, Optional, Tuple

#: package import name -> (pip name, minimum inclusive, maximum exclusive)
SUPPORTED_VERSIONS: Dict[str, Tuple[str, str, str]] = {
    'mmengine': ('mmengine', '0.10.0', '1.0.0'),
    'mmcv': ('mmcv or mmcv-lite', '2.0.0', '2.1.0'),
    'mmpretrain': ('mmpretrain', '1.2.0', '1.3.0'),
    'mmaction': ('mmaction2', '1.1.0', '1.3.0'),
}

MMCV_HINT = ('vicmae_mm needs mmcv>=2.0.0,<2.1.0 and found neither `mmcv` '
             'nor `mmcv-lite`. Install one of them:\n'
             '  pip install mmcv-lite==2.0.1   (no compiled ops; enough for '
             'vicmae_mm, installs in seconds)\n'
             '  mim install "mmcv==2.0.1"      (full mmcv with CUDA ops, '
             'if you also use detection models)')


def _version_tuple(version: str) -> Tuple[int, ...]:
    """``'2.0.0rc4'`` -> ``(2, 0, 0, -1, 4)``; release > rc, as in mmengine.

    ``mmengine.utils.digit_version`` does the same but importing mmengine here
    would defeat the purpose of checking it.
    """
    from packaging.version import Version
    v = Version(version)
    pre = (-1, v.pre[1]) if v.pre else (0, 0)
    return tuple(v.release) + pre


def check_versions(
        supported: Optional[Dict[str, Tuple[str, str, str]]] = None) -> None:
    """Raise an ``ImportError`` naming every package outside its range.

    Args:
        supported (dict, optional): import name -> ``(pip name, min, max)``.
            Defaults to :data:`SUPPORTED_VERSIONS`.

    Raises:
        ImportError: if mmcv (or mmcv-lite) is missing, or if any package's
            ``__version__`` is outside ``[min, max)``; the message lists each
            offending package, the found version and the supported range.
    """
    supported = SUPPORTED_VERSIONS if supported is None else supported
    problems = []
    for module_name, (pip_name, low, high) in supported.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            if module_name == 'mmcv':
                raise ImportError(MMCV_HINT) from e
            raise ImportError(
                f'vicmae_mm needs {pip_name}>={low},<{high}, which is not '
                f'importable ({e}). Install it with '
                f'`pip install -r requirements/runtime.txt`.') from e
        found = getattr(module, '__version__', '0')
        if not (_version_tuple(low) <= _version_tuple(found) <
                _version_tuple(high)):
            problems.append(f'  {pip_name}=={found} (supported: >={low},'
                            f'<{high})')
    if problems:
        raise ImportError(
            'vicmae_mm does not support the installed version of:\n' +
            '\n'.join(problems) + '\nThe tested stack is pinned in '
            'requirements/runtime.txt (`pip install -r '
            'requirements/runtime.txt`).')
