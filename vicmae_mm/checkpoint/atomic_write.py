# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Write files so that a reader sees the old content or the new, never half.

mmengine 0.10.7 saves a checkpoint with ``torch.save`` into memory and then
``get_file_backend(path).put(bytes, path)``; the local backend opens the
final name and writes into it, so a process killed mid-write (or a full
disk) leaves a truncated ``iter_N.pth`` under the name ``--resume`` looks
for. :func:`atomic_write_bytes` writes to a temporary file in the same
folder, fsyncs it, renames it over the target (atomic on POSIX) and fsyncs
the folder. Several writers of one file (the ranks of a distributed run
all dump the test results to the same json; threads) each get their own
temporary file, named after the host, the process and a random tag, and
clean up only temporary files whose process is gone, never a live
writer's. :class:`AtomicLocalBackend` is mmengine's ``LocalBackend`` with
``put``/``put_text`` done that way; ``import vicmae_mm`` registers it for
local paths, so every checkpoint the Runner writes is atomic, whatever hook
or config saves it.
"""
import errno
import glob
import os
import os.path as osp
import re
import shutil
import socket
import uuid
import zlib
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend, register_backend

#: Temporary files are named ``.<target name>.<host>-<pid>-<random>`` +
#: this suffix (``<host>``: 8 hex digits of the host name's CRC-32).
TMP_SUFFIX = '.vicmae-tmp'
_CHUNK = 1 << 24
_HOST = f'{zlib.crc32(socket.gethostname().encode()):08x}'
#: What follows ``.<target name>.``: this version's tag, or an older one's
#: (random hex only, no process to ask: always stale).
_TAG = re.compile(r'(?:([0-9a-f]{8})-(\d+)-)?[0-9a-f]{8}' +
                  re.escape(TMP_SUFFIX) + '$')


def tmp_files(folder: str) -> list:
    """Leftover temporary files of interrupted writes in ``folder``."""
    return glob.glob(osp.join(glob.escape(folder), '.*' + TMP_SUFFIX))


def _tmp_prefix(path: str) -> str:
    """``.<name>.`` (the name cut so the temporary name fits NAME_MAX)."""
    return f'.{osp.basename(path)[:200]}.'


def _tmp_name(path: str) -> str:
    """A temporary name next to ``path``, unique per host, process and
    call (two ranks or threads writing ``path`` never share one)."""
    return osp.join(
        osp.dirname(path), f'{_tmp_prefix(path)}{_HOST}-{os.getpid()}-'
        f'{uuid.uuid4().hex[:8]}{TMP_SUFFIX}')


def _writer_gone(tag: 're.Match[str]') -> bool:
    """Whether the process that wrote a temporary file has ended."""
    host, pid = tag.group(1), tag.group(2)
    if host is None:
        return True  # an older version's name: no live writer to spare
    if host != _HOST or int(pid) == os.getpid():
        return False  # another machine's, or another thread of ours
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False  # alive (not ours to signal) or cannot tell
    return False


def stale_tmp_files(path: str) -> list:
    """Temporary files of ``path`` left by writers that have ended (killed
    mid-write); the ones of writers still running are not listed."""
    prefix = _tmp_prefix(path)
    stale = []
    for tmp in glob.glob(
            osp.join(
                glob.escape(osp.dirname(path)),
                glob.escape(prefix) + '*' + TMP_SUFFIX)):
        tag = _TAG.fullmatch(osp.basename(tmp)[len(prefix):])
        if tag is not None and _writer_gone(tag):
            stale.append(tmp)
    return stale


def _write_all(fd: int, data: memoryview) -> None:
    """Write everything (``os.write`` may write less than asked)."""
    while len(data):
        n = os.write(fd, data[:_CHUNK])
        data = data[n:]


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot fsync a directory
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(data: Union[bytes, bytearray, memoryview],
                       path: Union[str, Path]) -> None:
    """Replace ``path`` with ``data`` atomically and durably.

    The folder is created if needed. A symlink is followed (its target is
    replaced); an existing non-regular file (a device, a FIFO) is written
    in place. On failure the temporary file is removed, ``path`` is left as
    it was, and the ``OSError`` names the file, the size and the free space.

    Args:
        data (bytes): The new content.
        path (str | Path): The file.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     atomic_write_bytes(b'new', f'{d}/a.txt')
        ...     print(open(f'{d}/a.txt').read(), tmp_files(d))
        new []
    """
    path = osp.realpath(os.fspath(path))
    if osp.exists(path) and not osp.isfile(path):  # a device, a FIFO
        with open(path, 'wb') as f:
            f.write(data)
        return
    folder = osp.dirname(path)
    os.makedirs(folder, exist_ok=True)
    tmp = _tmp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            _write_all(fd, memoryview(data).cast('B'))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err,
                      OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
            free = shutil.disk_usage(folder).free
            raise OSError(
                err.errno, f'{err.strerror or os.strerror(err.errno)}: '
                f'could not write {path} '
                f'({len(data)} bytes needed, {free} bytes free); the file '
                'was not changed') from err
        raise
    _fsync_dir(folder)
    for stale in stale_tmp_files(path):
        try:  # left by an earlier, interrupted write of the same file
            os.unlink(stale)
        except OSError:
            pass


class AtomicLocalBackend(LocalBackend):
    """mmengine ``LocalBackend`` whose ``put`` and ``put_text`` are atomic.

    Reads, listings and removals are mmengine's. See
    :func:`atomic_write_bytes` for what "atomic" means here.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     AtomicLocalBackend().put_text('hello', f'{d}/x/a.txt')
        ...     print(AtomicLocalBackend().get_text(f'{d}/x/a.txt'))
        hello
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically (folders created)."""
        atomic_write_bytes(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (folders created)."""
        atomic_write_bytes(obj.encode(encoding), filepath)


def install_atomic_local_backend() -> None:
    """Register :class:`AtomicLocalBackend` as mmengine's local backend.

    ``get_file_backend`` then returns it for every local path (the name
    ``'local'`` and the empty prefix). Idempotent.
    """
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
