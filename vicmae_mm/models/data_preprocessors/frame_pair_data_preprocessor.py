# Copyright (c) vicmae_mm contributors. All rights reserved.
"""mmpretrain's self-supervised data preprocessor, plus the video ids."""
from typing import Optional

import torch
from mmpretrain.models.utils import SelfSupDataPreprocessor
from mmpretrain.registry import MODELS


@MODELS.register_module()
class FramePairDataPreprocessor(SelfSupDataPreprocessor):
    """``SelfSupDataPreprocessor`` that also hands ``video_id`` to the model.

    ``PackFramePairs`` attaches a ``video_id`` to each pair and the collate
    stacks them into a (B, ) int64 tensor next to ``inputs`` and
    ``data_samples``. The parent reads the batch's values by position
    (``inputs, data_samples = data.values()``), so a third key would break
    it: this subclass takes ``video_id`` out, normalises the rest exactly as
    the parent does, and returns ``video_id`` (on the model's device) with
    ``inputs`` and ``data_samples``, which ``BaseModel.train_step`` passes
    on as ``model(**data, mode='loss')``. A tensor keeps a compiled
    ``train_step`` free of recompilation (ids read from ``DataSample``
    fields would be Python ints, specialised per batch). A batch without
    ``video_id`` goes through unchanged.

    Args:
        See :class:`mmpretrain.models.utils.SelfSupDataPreprocessor`.

    Example:
        >>> import torch
        >>> pre = FramePairDataPreprocessor(mean=[0.] * 3, std=[1.] * 3)
        >>> batch = dict(inputs=[torch.zeros(2, 3, 4, 4)] * 2,
        ...              data_samples=None, video_id=torch.tensor([7, 7]))
        >>> sorted(pre(batch))
        ['data_samples', 'inputs', 'video_id']
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise the frames and pass ``video_id`` through.

        Args:
            data (dict): A ``default_collate`` batch: ``inputs`` (T tensors
                (B, C, H, W)), ``data_samples`` and optionally ``video_id``
                (B, ).
            training (bool): See the parent. Defaults to False.

        Returns:
            dict: ``inputs``, ``data_samples`` and, if given, ``video_id``
            (B, ) int64 on the model's device.
        """
        if not isinstance(data, dict) or 'video_id' not in data:
            return super().forward(data, training)
        data = dict(data)
        ids: Optional[torch.Tensor] = data.pop('video_id')
        out = super().forward(data, training)
        out['video_id'] = self.cast_data(ids)
        return out
