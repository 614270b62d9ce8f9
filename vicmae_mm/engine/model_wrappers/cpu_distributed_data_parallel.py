# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import Any

from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmpretrain.registry import MODEL_WRAPPERS
from torch import nn


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for processes without a GPU (gloo).

    mmengine wraps distributed models with ``device_ids=[LOCAL_RANK]``, which
    fails for CPU parameters, and torch's ``SyncBatchNorm`` refuses CPU
    tensors once the world size exceeds 1 (the ViC-MAE projector uses
    ``SyncBN``). This wrapper forces ``device_ids=None`` and turns every
    ``SyncBatchNorm`` back into a per-process ``BatchNorm`` (mmengine's
    ``revert_sync_batchnorm``; parameters and buffers are kept), then wraps
    as usual. ``tools/train.py`` selects it by itself on a machine without
    CUDA (see :func:`vicmae_mm.utils.setup_launcher`).

    Args:
        module (nn.Module): The model.
        **kwargs: ``MMDistributedDataParallel`` / ``DistributedDataParallel``
            arguments (``broadcast_buffers``, ``find_unused_parameters``...).
    """

    def __init__(self, module: nn.Module, **kwargs: Any) -> None:
        kwargs['device_ids'] = None
        super().__init__(module=revert_sync_batchnorm(module), **kwargs)
