# Copyright (c) vicmae_mm contributors. All rights reserved.
"""WebDataset-format tar shards of frame pairs: layout and member access.

Not registered; shared by the writer (:mod:`.pair_shards`), the dataset
(``FramePairShardDataset``) and ``LoadShardFramePair``.

A shard is a plain POSIX tar file. Each sample is a group of consecutive
members named ``<key>.<field>`` (WebDataset's convention: the key is the
basename up to its first dot): ``<key>.f0.jpg`` ... ``<key>.f{T-1}.jpg``
(the frames, JPEG) and ``<key>.json`` (metadata: ``source``,
``frame_inds``, ``frame_gaps``, ``gap_seconds``, ``fps``, ``total_frames``,
``label``, ``pair_index``). Next to ``shard-000012.tar`` the writer puts
``shard-000012.idx.json`` (the byte offset and size of every member), so
a reader opens no tar headers; shards without one (e.g. written with
``webdataset.TarWriter``) are scanned once with :mod:`tarfile`. Plain
``tarfile`` is used instead of the ``webdataset`` package: no new
dependency, and the member offsets give random access, which mmengine's
map-style datasets and samplers need; the shards stay readable by
``webdataset.WebDataset`` for streaming.
"""
import json
import os
import os.path as osp
import tarfile
from collections import OrderedDict
from typing import Dict, List, Tuple

from .decode_errors import CorruptSampleError

#: member field of frame ``t``
FRAME_FIELD = 'f{}.jpg'
META_FIELD = 'json'
SHARD_TMPL = 'shard-{:06d}.tar'


def index_path(shard: str) -> str:
    """The sidecar index of ``shard`` (``x.tar`` -> ``x.idx.json``)."""
    return (shard[:-4] if shard.endswith('.tar') else shard) + '.idx.json'


def split_member(name: str) -> Tuple[str, str]:
    """``'dir/key.f0.jpg'`` -> ``('dir/key', 'f0.jpg')`` (WebDataset)."""
    folder, base = osp.split(name)
    key, _, field = base.partition('.')
    return osp.join(folder, key) if folder else key, field


def scan_shard(shard: str) -> List[Tuple[str, Dict[str, List[int]]]]:
    """Samples of a shard: ``[(key, {field: [offset, size]}), ...]``.

    Reads the sidecar index when present, else the tar headers.

    Raises:
        OSError: The shard cannot be read.
        ValueError: The shard or its index is malformed (names the file).
    """
    side = index_path(shard)
    if osp.isfile(side):
        try:
            with open(side, encoding='utf-8') as f:
                return [(k, v) for k, v in json.load(f)['samples']]
        except (KeyError, TypeError, ValueError) as e:
            raise CorruptSampleError(
                f'{side}: not a shard index ({e})') from e
    samples: 'OrderedDict[str, Dict[str, List[int]]]' = OrderedDict()
    try:
        with tarfile.open(shard, 'r:') as tar:
            for member in tar:
                if member.isfile():
                    key, field = split_member(member.name)
                    samples.setdefault(
                        key, {})[field] = [member.offset_data, member.size]
    except tarfile.TarError as e:
        raise CorruptSampleError(
            f'{shard}: not a readable tar file ({e})') from e
    return list(samples.items())


class MemberReader:
    """Read members by offset, keeping a few shard files open (per worker).

    Args:
        max_open (int): Open files kept (least recently used closed).
            Defaults to 8.
    """

    def __init__(self, max_open: int = 8) -> None:
        self.max_open = max_open
        self._files: 'OrderedDict[str, object]' = OrderedDict()
        self._pid = os.getpid()

    def read(self, shard: str, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset`` of ``shard``.

        Raises:
            OSError: The file cannot be read or is shorter than expected.
        """
        if os.getpid() != self._pid:  # forked into a DataLoader worker
            self._files, self._pid = OrderedDict(), os.getpid()
        f = self._files.pop(shard, None)
        if f is None:
            f = open(shard, 'rb')
            while len(self._files) >= self.max_open:
                self._files.popitem(last=False)[1].close()
        self._files[shard] = f
        f.seek(offset)
        data = f.read(size)
        if len(data) != size:
            raise OSError(f'{shard}: member at byte {offset} is truncated '
                          f'({len(data)} of {size} bytes)')
        return data

    def __getstate__(self) -> dict:  # open files do not pickle
        return dict(max_open=self.max_open)

    def __setstate__(self, state: dict) -> None:
        self.__init__(state['max_open'])
