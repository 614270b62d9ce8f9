# Copyright (c) vicmae_mm contributors. All rights reserved.
"""VideoVisualizationHook draws multi-view test samples that mmaction2
1.1.0's own hook cannot draw."""
import pytest
import torch
from mmaction.engine.hooks import VisualizationHook
from mmaction.structures import ActionDataSample
from mmaction.visualization import ActionVisualizer
from mmengine.registry import init_default_scope

from vicmae_mm.engine.hooks import VideoVisualizationHook
from vicmae_mm.engine.hooks.video_visualization_hook import frames_of_views


def _batch(inputs):
    samples = []
    for label in range(len(inputs)):
        sample = ActionDataSample().set_gt_labels(torch.tensor([label]))
        sample.set_pred_score(torch.tensor([0.1, 0.2, 0.3, 0.4]))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples), samples


def test_frames_of_views_keeps_view_and_time_order():
    # (V=2, C=3, T=4, H=2, W=2), every pixel holding its frame number
    five_d = torch.arange(2 * 4).view(2, 1, 4, 1, 1).expand(2, 3, 4, 2, 2)
    out = frames_of_views(five_d)
    assert out.shape == (3, 8, 2, 2)
    assert out[0, :, 0, 0].tolist() == list(range(8))  # view 0, then 1
    four_d = torch.arange(8).view(8, 1, 1, 1).expand(8, 3, 2, 2)
    assert frames_of_views(four_d)[1, :, 0, 0].tolist() == list(range(8))
    with pytest.raises(ValueError, match='got shape'):
        frames_of_views(torch.zeros(3, 8, 8))


@pytest.mark.parametrize('shape', [(6, 3, 4, 8, 8), (24, 3, 8, 8)])
def test_draws_every_interval_th_sample(tmp_path, shape):
    init_default_scope('mmaction')  # mmaction's LocalVisBackend writes videos
    ActionVisualizer.get_instance(f'video_vis_{len(shape)}')
    hook = VideoVisualizationHook(
        enable=True, interval=2, out_dir=str(tmp_path))
    inputs = [
        torch.randint(0, 255, shape, dtype=torch.uint8) for _ in range(3)
    ]
    data_batch, samples = _batch(inputs)
    hook.after_test_iter(None, 0, data_batch, samples)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['0_0', '2_0']
    assert len(list((tmp_path / '0_0').glob('frames_0/*.png'))) == 24
    # mmaction2's own hook fails on the same batch
    with pytest.raises((TypeError, RuntimeError)):
        VisualizationHook(
            enable=True, interval=2).after_test_iter(None, 0, data_batch,
                                                     samples)
