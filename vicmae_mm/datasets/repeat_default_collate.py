# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import Any, Sequence

from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS


@FUNCTIONS.register_module()
def repeat_default_collate(data_batch: Sequence[list]) -> Any:
    """Flatten the K samples of each index, then mmengine's
    ``default_collate``.

    ``PackFramePairs`` returns a list of K packed samples per dataset index.
    mmaction2's ``repeat_pseudo_collate`` flattens such lists the same way
    but ends in ``pseudo_collate``, which leaves ``inputs`` as lists of
    per-sample tensors; ``SelfSupDataPreprocessor`` (used by ``ViCMAE``, as
    by every mmpretrain self-supervised model) asserts a ``default_collate``
    batch, a dict of stacked tensors. Hence this pairing of mmaction2's
    flattening with mmengine's ``default_collate``.

    Args:
        data_batch (Sequence[list]): One list of packed samples per index.

    Returns:
        Any: ``default_collate`` of the B*K samples: ``inputs`` is a list of
        T tensors (B*K, C, H, W), ``data_samples`` a list of B*K samples.

    Example:
        >>> import torch
        >>> sample = dict(inputs=[torch.zeros(3, 4, 4)] * 2, data_samples=0)
        >>> batch = repeat_default_collate([[sample] * 3, [sample] * 3])
        >>> len(batch['inputs']), batch['inputs'][0].shape
        (2, torch.Size([6, 3, 4, 4]))
    """
    for item in data_batch:
        if not isinstance(item, (list, tuple)):
            raise TypeError(
                'repeat_default_collate expects one list of samples per '
                'index (the output of PackFramePairs), got a '
                f'{type(item).__name__}; use default_collate for samples '
                'packed one per index')
    return default_collate([sample for item in data_batch for sample in item])
