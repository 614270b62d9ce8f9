# Copyright (c) vicmae_mm contributors. All rights reserved.
import random
from typing import Any, Optional

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def derive_seed(*keys: int) -> int:
    """A 32-bit seed that depends on every key (``np.random.SeedSequence``).

    Args:
        *keys (int): Non-negative integers, e.g. ``(seed, rank, iter)``.

    Returns:
        int: The seed, in ``[0, 2**32)``.
    """
    return int(np.random.SeedSequence(list(keys)).generate_state(1)[0])


@HOOKS.register_module()
class IterSeedHook(Hook):
    """Make training randomness a function of (seed, rank, iteration).

    Resuming restores weights, optimizer, schedulers and message hub, but not
    the global RNG streams, so the masks an MAE-style model draws after a
    resume differ from an uninterrupted run's. This hook re-seeds torch's
    global RNG (CPU and CUDA) before every train iteration with
    ``derive_seed(runner.seed, rank, runner.iter)``, and numpy / ``random``
    before every epoch with ``derive_seed(runner.seed, rank, epoch)``
    (data augmentation in the main process when ``num_workers=0``). Every
    rank gets its own stream. The runner's seed is stored in the checkpoint
    meta and restored by mmengine, so with this hook a resumed run draws the
    same masks as an uninterrupted one:

    - ``IterBasedTrainLoop``: mmengine replays the dataloader up to the
      resumed iteration, so the data and, with this hook, the model's random
      draws match from the next iteration on (use an ``InfiniteSampler``;
      a sampler that ends an epoch inside the replay re-creates the
      dataloader iterator, which draws from torch's RNG).
    - ``EpochBasedTrainLoop``: exact when resuming from an end-of-epoch
      checkpoint; mmengine restarts an interrupted epoch from its beginning.

    mmengine cannot drop an added ``default_hooks`` entry with ``None``;
    turn the hook off with ``reseed_iter=False, reseed_data=False``.

    Args:
        reseed_iter (bool): Re-seed torch before every iteration. Defaults
            to True.
        reseed_data (bool): Re-seed numpy and ``random`` before every epoch.
            Defaults to True.
    """

    priority = 'HIGHEST'

    def __init__(self,
                 reseed_iter: bool = True,
                 reseed_data: bool = True) -> None:
        self.reseed_iter = reseed_iter
        self.reseed_data = reseed_data

    @staticmethod
    def _base(runner) -> int:
        seed = runner.seed if runner.seed is not None else 0
        return int(seed) % 2**32

    def before_train_epoch(self, runner) -> None:
        if not self.reseed_data:
            return
        seed = derive_seed(self._base(runner), get_rank(), runner.epoch)
        np.random.seed(seed)
        random.seed(seed)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[Any] = None) -> None:
        if not self.reseed_iter:
            return
        torch.manual_seed(
            derive_seed(self._base(runner), get_rank(), runner.iter, 1))
