# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import Optional, Sequence

import torch
from mmaction.engine.hooks import VisualizationHook
from mmaction.registry import HOOKS


def frames_of_views(inputs: torch.Tensor) -> torch.Tensor:
    """Every frame of a sample's test views as one (C, N, H, W) clip.

    Args:
        inputs (torch.Tensor): One sample's ``inputs`` from
            ``PackActionInputs``: (V, C, T, H, W) (``NCTHW``) or
            (V * T, C, H, W) (``NCHW``).

    Returns:
        torch.Tensor: (C, V * T, H, W), views one after the other.

    Example:
        >>> frames_of_views(torch.zeros(6, 3, 4, 8, 8)).shape
        torch.Size([3, 24, 8, 8])
        >>> frames_of_views(torch.zeros(24, 3, 8, 8)).shape
        torch.Size([3, 24, 8, 8])
    """
    if inputs.dim() == 5:  # (V, C, T, H, W) -> (C, V, T, H, W)
        return inputs.transpose(0, 1).flatten(1, 2)
    if inputs.dim() == 4:  # (V * T, C, H, W) -> (C, V * T, H, W)
        return inputs.transpose(0, 1)
    raise ValueError('expected (V, C, T, H, W) or (V * T, C, H, W) inputs, '
                     f'got shape {tuple(inputs.shape)}')


@HOOKS.register_module()
class VideoVisualizationHook(VisualizationHook):
    """mmaction2's ``VisualizationHook`` for multi-view test clips.

    mmaction2 1.1.0's hook cannot draw a test sample of our video configs:
    it passes ``show`` to ``ActionVisualizer.add_datasample``, whose argument
    is ``show_frames`` (``TypeError`` at the first drawn sample), and it
    hands over the packed input of all test views, which is not the
    (C, T, H, W) clip it permutes. This subclass passes ``show_frames`` and
    draws every frame of every view (:func:`frames_of_views`); the drawing,
    the interval and the output files are mmaction2's. ``tools/test.py
    --show/--show-dir`` selects it for configs in the ``mmaction`` scope.

    Args:
        enable (bool): Draw at all. Defaults to False.
        interval (int): Draw every ``interval``-th sample. Defaults to 5000.
        show (bool): Show the frames in a window. Defaults to False.
        out_dir (str, optional): Write the frames under this folder instead
            of the visualizer's backends. Defaults to None.
        **kwargs: Other ``ActionVisualizer.add_datasample`` arguments
            (``wait_time``, ``draw_score``, ``out_type`` ...).

    Example:
        >>> from mmaction.visualization import ActionVisualizer
        >>> vis = ActionVisualizer.get_instance('vicmae_video_vis_doc')
        >>> hook = VideoVisualizationHook(enable=True, show=False)
        >>> hook.draw_args
        {'show_frames': False}
    """

    def __init__(self,
                 enable: bool = False,
                 interval: int = 5000,
                 show: bool = False,
                 out_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(enable, interval, show, out_dir, **kwargs)
        self.draw_args = {**kwargs, 'show_frames': show}

    def _draw_samples(self,
                      batch_idx: int,
                      data_batch: dict,
                      data_samples: Sequence,
                      step: int = 0) -> None:
        """Draw every ``interval``-th sample of the batch (all its views)."""
        clips = [frames_of_views(x) for x in data_batch['inputs']]
        super()._draw_samples(batch_idx, dict(data_batch, inputs=clips),
                              data_samples, step)
