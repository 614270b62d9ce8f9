# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


@DATA_SAMPLERS.register_module()
class ShardAwareSampler(Sampler):
    """Each rank, and each DataLoader worker, reads its own shards.

    For datasets that expose ``shard_ranges()`` (``FramePairShardDataset``).
    Every epoch the shard order is shuffled (seeded by ``seed`` and the
    epoch, the same on every rank), then the samples inside each shard;
    the resulting sequence is cut into ``world_size`` equal contiguous
    parts, one per rank, so a rank reads whole shards except at most two
    at its edges, and no sample is read twice in an epoch. The last
    ``len(dataset) % world_size`` samples of the shuffled order are left
    out of the epoch (a different few each epoch), so every rank gets the
    same number of samples (needed by the contrastive gather); unlike
    ``DefaultSampler(round_up=True)`` nothing is repeated.

    With ``batch_size`` and ``num_workers`` (the DataLoader's), a rank's
    part is cut again into one contiguous part per worker and the batches
    are interleaved in the order the DataLoader hands batches to its
    workers (round robin), so each worker reads its own shards too. If the
    DataLoader's values differ, only this affinity is lost: every index is
    still yielded exactly once.

    Args:
        dataset: A dataset with ``shard_ranges()`` and ``__len__``.
        shuffle (bool): Shuffle shards and samples. Defaults to True.
        seed (int, optional): Seed, synchronised across ranks when None.
            Defaults to None.
        batch_size (int, optional): The DataLoader's batch size, for the
            per-worker split. Defaults to None.
        num_workers (int, optional): The DataLoader's workers, for the
            per-worker split. Defaults to None.

    Example:
        >>> class Shards:  # 3 shards of 4, 4 and 2 samples
        ...     def shard_ranges(self):
        ...         return [(0, 4), (4, 8), (8, 10)]
        >>> sampler = ShardAwareSampler(Shards(), shuffle=False)
        >>> list(sampler)
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        >>> sampler = ShardAwareSampler(Shards(), shuffle=False,
        ...                             batch_size=2, num_workers=2)
        >>> list(sampler)  # batches 0, 2, 4 from 0-5, batches 1, 3 from 6-9
        [0, 1, 6, 7, 2, 3, 8, 9, 4, 5]
    """

    def __init__(self,
                 dataset,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 batch_size: Optional[int] = None,
                 num_workers: Optional[int] = None) -> None:
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.batch_size = batch_size
        self.num_workers = num_workers or 0
        self.epoch = 0
        self.ranges = dataset.shard_ranges()
        total = sum(stop - start for start, stop in self.ranges)
        self.num_samples = total // self.world_size
        if self.num_samples < 1:
            raise ValueError(f'{total} samples cannot be shared by '
                             f'{self.world_size} ranks')

    def _order(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch])
        shards = (
            rng.permutation(len(self.ranges)) if self.shuffle else range(
                len(self.ranges)))
        parts: List[np.ndarray] = []
        for s in shards:
            start, stop = self.ranges[s]
            idx = np.arange(start, stop)
            parts.append(rng.permutation(idx) if self.shuffle else idx)
        return np.concatenate(parts)

    def rank_indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, in reading order."""
        order = self._order()
        per_rank = len(order) // self.world_size
        mine = order[self.rank * per_rank:][:self.num_samples]
        if not (self.batch_size and self.num_workers > 1):
            return mine
        # batch i goes to worker i % W: give each worker a contiguous part
        b, w = self.batch_size, self.num_workers
        sizes = [min(b, len(mine) - i) for i in range(0, len(mine), b)]
        per_worker = [sum(sizes[k::w]) for k in range(w)]
        bounds = np.cumsum([0] + per_worker)
        taken = [0] * w
        out = []
        for i, size in enumerate(sizes):
            k = i % w
            start = bounds[k] + taken[k]
            out.append(mine[start:start + size])
            taken[k] += size
        return np.concatenate(out) if out else mine

    def __iter__(self) -> Iterator[int]:
        return iter(self.rank_indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (another shuffle); the Runner calls it."""
        self.epoch = epoch
