# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import Any, Sequence

from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS


@FUNCTIONS.register_module()
def repeat_default_collate(data_batch: Sequence) -> Any:
    """``default_collate`` after flattening samples that are lists.

    A dataset using ``SampleFramePair(num_pairs=K)`` + ``PackFramePairs``
    returns K packed dicts per index; this collate flattens them, so a batch
    of B indices holds B*K samples (the effective batch size). Plain dict
    samples (K = 1, or image sources in a mixed dataset) pass unchanged.

    Args:
        data_batch (Sequence): Samples (dicts or lists of dicts).

    Returns:
        Any: ``default_collate`` of the flattened samples.
    """
    flat = []
    for item in data_batch:
        flat.extend(item if isinstance(item, list) else [item])
    return default_collate(flat)
