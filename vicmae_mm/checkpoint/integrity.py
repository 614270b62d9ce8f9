# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Tell a complete checkpoint file from a truncated or corrupt one.

``torch.save`` writes a zip archive whose central directory (the index of
its records) comes last, and a CRC-32 for every record. A write that was
cut short has no central directory; a flipped byte fails its record's CRC
(which ``torch.load`` does not check: it would load wrong weights
silently). :func:`checkpoint_problem` checks both and says what is wrong in
words, so loaders and the resume logic can name the file and the fault
instead of surfacing a raw ``PytorchStreamReader`` error.
"""
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import List, Optional, Tuple

#: torch.save's zip archives start with this; legacy files are pickles.
ZIP_MAGIC = b'PK\x03\x04'
PICKLE_MAGIC = b'\x80'
#: A legacy (non-zip) torch file starts with this number, pickled (protocol
#: 2 by default, any of 2..5 with ``pickle_protocol=``). A file that merely
#: starts with 0x80 (1 in 256 random files) is not one: torch's unpickler
#: would fail on it with an arbitrary IndexError, KeyError, ...
TORCH_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
LEGACY_HEADERS = tuple(
    pickle.dumps(TORCH_LEGACY_MAGIC, protocol=p)
    for p in range(2, pickle.HIGHEST_PROTOCOL + 1))
HEAD_SIZE = max(len(h) for h in LEGACY_HEADERS + (ZIP_MAGIC, ))


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is empty, truncated, corrupt or not a checkpoint."""


def header_problem(head: bytes) -> Optional[str]:
    """Say whether ``head`` can start a ``torch.save`` file.

    Args:
        head (bytes): The first :data:`HEAD_SIZE` bytes of the file (all of
            it if it is shorter).

    Returns:
        str | None: None if ``head`` starts a torch zip archive or a legacy
        torch pickle, 'empty', 'truncated: ...' for the first bytes of one,
        else 'not a PyTorch checkpoint: ...'.

    Example:
        >>> print(header_problem(b'PK\\x03\\x04\\x00\\x00'))
        None
        >>> header_problem(b'\\x80\\x02}q\\x00').split(':')[0]
        'not a PyTorch checkpoint'
    """
    if not head:
        return 'empty (0 bytes): the write never happened or was cut short'
    headers = (ZIP_MAGIC, ) + LEGACY_HEADERS
    if head.startswith(headers):
        return None
    if len(head) < HEAD_SIZE and any(h.startswith(head) for h in headers):
        return (f'truncated: only {len(head)} bytes, the start of a torch '
                'checkpoint')
    if head.startswith(PICKLE_MAGIC):
        what = ('a pickle, but not the torch magic number that torch.save '
                'writes first')
    else:
        what = 'neither a torch zip archive (PK) nor a legacy torch pickle'
    return (f'not a PyTorch checkpoint: it starts with {head[:8]!r}, '
            f'{what}')


def checkpoint_problem(path: str, verify_crc: bool = True) -> Optional[str]:
    """Say what is wrong with a checkpoint file, or None if it looks whole.

    Args:
        path (str): The file.
        verify_crc (bool): Also read every record and check its CRC-32
            (one sequential read of the file). Defaults to True.

    Returns:
        str | None: A short description ('truncated: ...', 'empty', ...), or
        None for a complete torch zip archive (or a file that starts with
        the legacy torch header: it has no index or checksum to check).

    Example:
        >>> import tempfile, torch
        >>> with tempfile.TemporaryDirectory() as d:
        ...     torch.save({'w': torch.ones(3)}, f'{d}/a.pth')
        ...     data = open(f'{d}/a.pth', 'rb').read()
        ...     _ = open(f'{d}/b.pth', 'wb').write(data[:len(data) // 2])
        ...     print(checkpoint_problem(f'{d}/a.pth'))
        ...     print(checkpoint_problem(f'{d}/b.pth').split(' ')[0])
        None
        truncated
    """
    if not osp.isfile(path):
        return 'missing' if not osp.exists(path) else 'not a file'
    size = osp.getsize(path)
    with open(path, 'rb') as f:
        head = f.read(HEAD_SIZE)
    problem = header_problem(head)
    if problem is not None or head.startswith(PICKLE_MAGIC):
        return problem  # a legacy torch file has no index or CRC to check
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if not any(
                    n.endswith('/data.pkl') or n == 'data.pkl' for n in names):
                return 'a zip archive without data.pkl, not a torch.save file'
            if verify_crc:
                bad = zf.testzip()
                if bad is not None:
                    return (f'corrupt: record {bad!r} fails its CRC-32 check '
                            '(the file was modified or damaged after it was '
                            'written)')
    except zipfile.BadZipFile as e:
        return (f'truncated or damaged: {size} bytes and no readable zip '
                f'index ({e}); an interrupted write leaves such a file')
    except (OSError, EOFError, ValueError) as e:
        return f'unreadable: {type(e).__name__}: {e}'
    return None


def _step_pattern(filename_tmpl: str) -> 're.Pattern[str]':
    return re.compile(
        re.escape(filename_tmpl).replace(re.escape('{}'), r'(\d+)') + '$')


def numbered_checkpoints(
    folder: str, templates: Tuple[str, ...] = ('epoch_{}.pth', 'iter_{}.pth')
) -> List[str]:
    """Checkpoint files of ``folder`` named after a template, newest first.

    Args:
        folder (str): The folder to list.
        templates (tuple[str]): File name templates with ``{}`` for the
            epoch or iteration. Defaults to mmengine's two.

    Returns:
        list[str]: Paths, by decreasing number (ties: most recent first).
    """
    if not osp.isdir(folder):
        return []
    found = []
    patterns = [_step_pattern(t) for t in templates]
    for name in os.listdir(folder):
        for pattern in patterns:
            m = pattern.match(name)
            if m:
                path = osp.join(folder, name)
                found.append((int(m.group(1)), osp.getmtime(path), path))
    return [p for _, _, p in sorted(found, reverse=True)]


def latest_complete_checkpoint(
    folder: str,
    exclude: Tuple[str, ...] = (),
    templates: Tuple[str, ...] = ('epoch_{}.pth', 'iter_{}.pth')
) -> Optional[str]:
    """The newest checkpoint of ``folder`` that passes the checks.

    Args:
        folder (str): The folder.
        exclude (tuple[str]): Paths to skip. Defaults to ().
        templates (tuple[str]): See :func:`numbered_checkpoints`.

    Returns:
        str | None: Its path, or None.
    """
    skip = {osp.abspath(p) for p in exclude}
    for path in numbered_checkpoints(folder, templates):
        if osp.abspath(path) not in skip and checkpoint_problem(path) is None:
            return path
    return None


def corrupt_checkpoint_error(path: str,
                             problem: str) -> CorruptCheckpointError:
    """A :class:`CorruptCheckpointError` naming ``path``, the fault and the
    newest complete checkpoint next to it (if any), to resume from."""
    msg = f'checkpoint {path!r} cannot be loaded: {problem}.'
    previous = latest_complete_checkpoint(osp.dirname(path) or '.', (path, ))
    if previous is not None:
        msg += (f' The newest complete checkpoint in that folder is '
                f'{previous!r} (resume from it with --resume {previous}).')
    return CorruptCheckpointError(msg)
