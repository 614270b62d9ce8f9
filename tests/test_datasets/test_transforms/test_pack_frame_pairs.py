# Copyright (c) vicmae_mm contributors. All rights reserved.
"""PackFramePairs: always a list of K samples; repeat_default_collate
flattens them into the dict batch FramePairDataPreprocessor expects, with
one video id per pair."""
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate
from mmpretrain.registry import MODELS

from vicmae_mm.datasets import repeat_default_collate
from vicmae_mm.datasets.transforms import PackFramePairs


def _frames(n):
    return [np.full((8, 8, 3), i, np.uint8) for i in range(n)]


def test_one_return_type_for_every_k():
    pack = PackFramePairs(num_frames=2)
    one = pack(dict(img=_frames(2), frame_inds=np.array([3, 9]), label=2))
    three = pack(
        dict(img=_frames(6), frame_inds=np.arange(6) * 10, filename='a.mp4'))
    for packed, k in ((one, 1), (three, 3)):
        assert isinstance(packed, list) and len(packed) == k
        for sample in packed:
            assert len(sample['inputs']) == 2
            assert sample['inputs'][0].shape == (3, 8, 8)
    assert one[0]['data_samples'].gt_label.tolist() == [2]  # mmaction key
    assert three[2]['inputs'][1][0, 0, 0].item() == 5
    assert three[1]['data_samples'].frame_inds.tolist() == [20, 30]
    assert [p['data_samples'].pair_index for p in three] == [0, 1, 2]
    with pytest.raises(ValueError, match='multiple of 2'):
        pack(dict(img=_frames(3)))
    assert repr(pack).startswith('PackFramePairs(num_frames=2, ')


def test_collate_feeds_the_selfsup_preprocessor():
    pack = PackFramePairs(num_frames=2)
    three = pack(dict(img=_frames(6), filename='a.mp4'))
    one = pack(dict(img=_frames(2), frame_dir='b'))
    batch = repeat_default_collate([three, one])
    assert len(batch['inputs']) == 2  # T frames, each stacked over B*K
    assert batch['inputs'][0].shape == (4, 3, 8, 8)
    assert batch['inputs'][0].dtype == torch.uint8
    assert len(batch['data_samples']) == 4
    ids = batch['video_id']
    assert ids.dtype == torch.int64 and ids.shape == (4, )
    assert ids[0] == ids[1] == ids[2] != ids[3]
    pre = MODELS.build(
        dict(
            type='FramePairDataPreprocessor',
            mean=[0.] * 3,
            std=[1.] * 3,
            to_rgb=False))
    out = pre(batch)
    # frame 1 of pairs 0, 1, 2 of the first index, then of the second
    assert out['inputs'][1][:, 0, 0, 0].tolist() == [1., 3., 5., 1.]
    assert torch.equal(out['video_id'], ids)
    # mmpretrain's own preprocessor reads the batch's values by position
    with pytest.raises(ValueError, match='too many values'):
        MODELS.build(dict(type='SelfSupDataPreprocessor'))(batch)
    # mmengine's default_collate alone collates the lists position by
    # position: no dict reaches the preprocessor
    assert isinstance(default_collate([one, one]), list)


def test_collate_names_what_it_expects():
    sample = PackFramePairs()(dict(img=_frames(2)))[0]
    with pytest.raises(TypeError, match='one list of samples per index'):
        repeat_default_collate([sample])


def test_video_ids_need_a_source_when_k_is_above_one():
    pack = PackFramePairs(num_frames=2)
    assert 'video_id' not in pack(dict(img=_frames(2)))[0]  # its own video
    with pytest.raises(ValueError, match='none of .* names its source'):
        pack(dict(img=_frames(4)))
    no_ids = PackFramePairs(num_frames=2, video_id_keys=())
    assert 'video_id' not in no_ids(dict(img=_frames(4), filename='a'))[0]
    by_image = pack(dict(img=_frames(4), img_path='x.jpg'))
    assert by_image[0]['video_id'] == by_image[1]['video_id']
