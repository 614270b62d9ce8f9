# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Argument and shape checks: the component, the key and the value named."""
import pytest
import torch

from vicmae_mm.datasets.transforms import (ExactVideoDecode, ExactVideoInit,
                                           ImageToFrames, LoadShardFramePair)
from vicmae_mm.engine.hooks import ReconstructionVisHook
from vicmae_mm.models.losses import InfoNCELoss, SimSiamLoss, VICRegLoss
from vicmae_mm.utils.checks import check_at_least


def test_check_at_least():
    assert check_at_least('X', 'n', 3, 1) == 3
    assert check_at_least('X', 'rate', 0.5, 0) == 0.5
    for bad in (0, -1, True, '2', None):
        with pytest.raises(ValueError, match=r"^X: n must be >= 1, got "):
            check_at_least('X', 'n', bad, 1)


@pytest.mark.parametrize('build, message', [
    (lambda: ImageToFrames(num_frames=0), 'ImageToFrames: num_frames'),
    (lambda: ExactVideoDecode(num_threads=-1), 'ExactVideoDecode: num_thr'),
    (lambda: ExactVideoInit(cache_size=-1), 'ExactVideoInit: cache_size'),
    (lambda: LoadShardFramePair(num_frames=0), 'LoadShardFramePair: num_fr'),
    (lambda: ReconstructionVisHook(interval=0), 'ReconstructionVisHook: in'),
])
def test_components_name_themselves(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize('loss', [InfoNCELoss(), VICRegLoss(), SimSiamLoss()])
def test_frame_losses_check_the_embedding_shape(loss):
    name = type(loss).__name__
    with pytest.raises(ValueError, match=f'{name} needs T >= 2 frames, got 1'):
        loss(torch.randn(4, 1, 8), torch.randn(4, 1, 8))
    with pytest.raises(ValueError, match=rf'{name} expects .*\(B, T, D\)'):
        loss(torch.randn(4, 8), torch.randn(4, 8))
    assert loss(torch.randn(4, 2, 8), torch.randn(4, 2, 8)).dim() == 0
