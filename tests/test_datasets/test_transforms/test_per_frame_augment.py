# Copyright (c) vicmae_mm contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.datasets.transforms import ImageToFrames, PerFrameAugment

register_all_modules(init_default_scope=True)

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs',
                      '_base_', 'datasets')
RRC = [
    dict(type='RandomResizedCrop', scale=24, crop_ratio_range=(0.08, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5)
]


def _textured(seed=0, size=48):
    return np.random.default_rng(seed).integers(
        0, 255, (size, size, 3), dtype=np.uint8)


def test_views_of_one_frame_differ_with_augmentation():
    np.random.seed(0)
    img = _textured()
    t = PerFrameAugment(transforms=RRC)
    out = t(ImageToFrames(num_frames=2, to_rgb=False)(dict(img=img)))
    a, b = out['img']
    assert a.shape == b.shape == (24, 24, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, b)
    assert out['img_shape'] == (24, 24)


def test_views_identical_without_augmentation():
    img = _textured()
    out = PerFrameAugment(transforms=[])(
        ImageToFrames(num_frames=2, to_rgb=False)(dict(img=img)))
    np.testing.assert_array_equal(out['img'][0], out['img'][1])
    np.testing.assert_array_equal(out['img'][0], img)


def test_view_transforms_cycle_per_view():
    img = _textured()
    invert = dict(type='Solarize', thr=0, prob=1.0)  # 255 - x everywhere
    t = PerFrameAugment(view_transforms=[[], [invert]])
    out = t(dict(imgs=[img] * 4))
    np.testing.assert_array_equal(out['img'][0], img)
    np.testing.assert_array_equal(out['img'][1], 255 - img)
    np.testing.assert_array_equal(out['img'][3], 255 - img)


def test_colour_pipeline_from_config_runs_on_numpy2():
    cfg = Config.fromfile(CONFIG_DIR + '/in1k_image_pairs.py')
    t = PerFrameAugment(
        transforms=cfg.color_pipeline, view_transforms=cfg.
        color_view_transforms)
    for seed in range(10):  # hue draws of both signs
        out = t(dict(imgs=[_textured(seed)] * 2))
        assert [f.shape for f in out['img']] == [(48, 48, 3)] * 2


def test_none_frame_names_the_file():
    with pytest.raises(ValueError, match='frame 1 of bad.mp4'):
        PerFrameAugment()(dict(imgs=[_textured(), None], filename='bad.mp4'))


def test_image_to_frames_converts_bgr_to_rgb():
    bgr = np.zeros((4, 4, 3), np.uint8)
    bgr[..., 2] = 200  # red in BGR
    out = ImageToFrames(num_frames=3)(dict(img=bgr))
    assert len(out['imgs']) == 3 and out['imgs'][0][0, 0].tolist() == [
        200, 0, 0
    ]
    assert repr(ImageToFrames(2, False)) == \
        'ImageToFrames(num_frames=2, to_rgb=False)'
