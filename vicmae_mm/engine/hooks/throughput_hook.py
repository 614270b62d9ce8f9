# Copyright (c) vicmae_mm contributors. All rights reserved.
import time
from typing import Any, Optional

import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def batch_size_of(data_batch: Any) -> Optional[int]:
    """Number of samples in a collated batch, or None if it has no tensor.

    Looks at ``data_batch['inputs']`` (a ``(B, ...)`` tensor, or a list of
    ``T`` such tensors for frame pairs), else ``data_samples``.

    Args:
        data_batch (Any): What the train dataloader yields.

    Returns:
        int, optional: ``B``.
    """
    if not isinstance(data_batch, dict):
        return None
    inputs = data_batch.get('inputs')
    if isinstance(inputs, (list, tuple)) and inputs:
        inputs = inputs[0]
    if isinstance(inputs, torch.Tensor) and inputs.dim() > 0:
        return int(inputs.shape[0])
    samples = data_batch.get('data_samples')
    if isinstance(samples, (list, tuple)):
        return len(samples)
    return None


@HOOKS.register_module()
class ThroughputHook(Hook):
    """Log the global training throughput in samples (frame pairs) per second.

    After every train iteration it writes ``train/<key>`` into the message
    hub, so ``LoggerHook`` prints it next to ``time`` and ``data_time``:
    ``B * world_size / wall time since the previous iteration ended``, data
    loading included. ``B`` is read from the batch (see
    :func:`batch_size_of`), falling back to the dataloader's batch size.

    Args:
        key (str): Name of the logged scalar. Defaults to ``'pairs_per_s'``.
    """

    priority = 'NORMAL'

    def __init__(self, key: str = 'pairs_per_s') -> None:
        self.key = key
        self._last: Optional[float] = None

    def before_train_epoch(self, runner) -> None:
        self._last = time.perf_counter()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        now = time.perf_counter()
        last, self._last = self._last, now
        if last is None or now <= last:
            return
        batch = batch_size_of(data_batch)
        if batch is None:
            batch = getattr(runner.train_dataloader, 'batch_size', None)
        if not batch:
            return
        runner.message_hub.update_scalar(
            f'train/{self.key}', batch * get_world_size() / (now - last))
