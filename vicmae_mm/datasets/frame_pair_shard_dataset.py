# Copyright (c) vicmae_mm contributors. All rights reserved.
import glob
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS

from .robust_mixin import RobustDatasetMixin
from .shard_io import scan_shard


@DATASETS.register_module()
class FramePairShardDataset(RobustDatasetMixin, BaseDataset):
    """Pre-paired frames from WebDataset tar shards (map-style).

    Reads the shards of ``tools/data/make_pair_shards.py`` (layout in
    :mod:`vicmae_mm.datasets.shard_io`): each sample is T JPEG frames and
    their metadata (source video, frame indices, gap, label). A few large
    files instead of millions of frames suit clusters without a fast
    shared file system. Indexing costs no tar scan when the shards have
    their ``.idx.json`` (the writer's); members are then read by offset.

    Map-style rather than an ``IterableDataset``: mmengine's Runner needs a
    sampler and a length (epochs, iteration counts, resume), so the shard
    logic lives in a sampler instead: use ``ShardAwareSampler``, which
    gives each rank (and each DataLoader worker) its own shards and reads
    no sample twice in an epoch. Dataset index order is shard order
    (:meth:`shard_ranges`).

    A missing or unreadable shard fails at start-up with its path; a member
    that does not decode is skipped, logged once with ``shard:key`` and
    counted as ``'corrupt'`` (:class:`RobustDatasetMixin`). Typical
    pipeline: ``LoadShardFramePair`` -> ``PerFrameAugment`` ->
    ``PackFramePairs`` (frames are RGB, as from the video sources).

    Args:
        shards (str | Sequence[str]): Shard files or glob patterns,
            relative to ``data_root``. Defaults to 'shard-*.tar'.
        data_root (str): Folder of the shards. Defaults to ''.
        pipeline (Sequence): Transforms. Defaults to ().
        auto_create_demo (bool): Generate the demo set at ``data_root`` and
            its shards in ``data_root/shards`` when missing (then use
            ``shards='shards/shard-*.tar'``). Defaults to False.
        **kwargs: Other ``mmengine.dataset.BaseDataset`` arguments
            (``test_mode``, ``max_refetch``, ``indices``, ...).

    Example:
        >>> import os.path as osp, tempfile
        >>> from vicmae_mm.datasets.pair_shards import write_pair_shards
        >>> from vicmae_mm.datasets.synthetic_video import (
        ...     write_synthetic_video)
        >>> root = tempfile.mkdtemp()
        >>> _ = write_synthetic_video(osp.join(root, 'a.mp4'), 'h264', 40,
        ...                           64, 48, 10)
        >>> _ = write_pair_shards([('a.mp4', '3', None)], root,
        ...                       osp.join(root, 'shards'),
        ...                       sampler=dict(num_pairs=5), progress=False)
        >>> ds = FramePairShardDataset(
        ...     data_root=osp.join(root, 'shards'),
        ...     pipeline=[dict(type='LoadShardFramePair'),
        ...               dict(type='PerFrameAugment'),
        ...               dict(type='PackFramePairs')])
        >>> len(ds), ds.shard_ranges(), ds[0][0]['data_samples'].gt_label
        (5, [(0, 5)], tensor([3]))
    """

    def __init__(self,
                 shards: Union[str, Sequence[str]] = 'shard-*.tar',
                 data_root: str = '',
                 pipeline: Sequence = (),
                 auto_create_demo: bool = False,
                 **kwargs) -> None:
        self.shards = [shards] if isinstance(shards, str) else list(shards)
        self._ranges: List[Tuple[int, int]] = []
        super().__init__(
            data_root=data_root,
            pipeline=list(pipeline),
            auto_create_demo=auto_create_demo,
            **kwargs)

    def shard_files(self) -> List[str]:
        """The shard paths, in order (globs expanded and sorted)."""
        files: List[str] = []
        for pattern in self.shards:
            path = osp.join(self.data_root or '', pattern)
            found = sorted(glob.glob(path)) if glob.has_magic(
                path) else [path] if osp.isfile(path) else []
            if not found:
                raise FileNotFoundError(f'no shard matches {path!r}')
            files += found
        return files

    def load_data_list(self) -> List[dict]:
        """One entry per sample: shard, key and member offsets."""
        if self.auto_create_demo:
            from .pair_shards import ensure_demo_shards
            ensure_demo_shards(self.data_root)
        data_list, self._ranges = [], []
        for shard in self.shard_files():
            start = len(data_list)
            for key, members in scan_shard(shard):
                data_list.append(dict(shard=shard, key=key, members=members))
            self._ranges.append((start, len(data_list)))
        if not data_list:
            raise ValueError(f'the shards {self.shards} in '
                             f'{self.data_root!r} hold no samples')
        return data_list

    def shard_ranges(self) -> List[Tuple[int, int]]:
        """``[(start, stop), ...]``: the dataset indices of each shard.

        With ``indices=N`` (the first N samples) the ranges are cut at N;
        other ``indices`` break the shard order and are refused.
        """
        if not self._fully_initialized:
            self.full_init()
        if self._indices is None:
            return list(self._ranges)
        if not isinstance(self._indices, int) or self._indices < 0:
            raise ValueError('shard_ranges() needs indices=None or a '
                             f'count >= 0, got {self._indices!r}')
        cut = [(a, min(b, self._indices)) for a, b in self._ranges]
        return [(a, b) for a, b in cut if b > a]

    def sample_path(self, data_info: dict) -> str:
        """``shard:key``, which names the sample in logs and counts."""
        return f'{data_info["shard"]}:{data_info["key"]}'

    def check_source(self, path: str) -> Optional[str]:
        """'missing' / 'empty' for the sample's shard file, else None.

        A shard found good is not checked again in this process (no file
        system call per sample).
        """
        shard = path.rsplit(':', 1)[0]
        good = self.__dict__.setdefault('_good_shards', set())
        if shard in good:
            return None
        reason = super().check_source(shard)
        if reason is None:
            good.add(shard)
        return reason
