# Copyright (c) vicmae_mm contributors. All rights reserved.
import os
import os.path as osp

import cv2
import decord
import numpy as np
import pytest

from vicmae_mm.datasets.demo import (CLASSES, _bounce, _colours,
                                     _shape_points,
                                     ensure_demo_dataset, make_demo_dataset,
                                     render_clip)

SMALL = dict(num_classes=2, videos_per_class=2, val_videos_per_class=1,
             images_per_class=2, val_images_per_class=1)


def test_layout(demo_root):
    assert open(osp.join(demo_root, 'classes.txt')).read().split() == list(
        CLASSES)
    lines = open(osp.join(demo_root, 'videos_train.txt')).read().split('\n')
    assert lines[0] == 'circle_000.mp4 0' and 'cross_001.mp4 3' in lines
    for line in filter(None, lines):
        assert osp.isfile(osp.join(demo_root, 'videos', line.split()[0]))
    assert open(osp.join(demo_root, 'videos_val.txt')).read().startswith(
        'circle_002.mp4 0\n')
    assert len(os.listdir(osp.join(demo_root, 'images/train/square'))) == 4
    img = cv2.imread(osp.join(demo_root, 'images/val/cross/001.jpg'))
    assert img.shape == (64, 64, 3)
    raw = open(osp.join(demo_root, 'rawframes_train.txt')).readline()
    assert raw == 'circle_000 48 0\n'
    assert osp.isfile(osp.join(demo_root, 'rawframes/circle_000/img_00048.jpg'))
    vr = decord.VideoReader(osp.join(demo_root, 'videos/square_001.mp4'))
    assert len(vr) == 48 and vr[0].shape == (96, 96, 3)


def test_same_seed_same_data_other_seed_differs(tmp_path):
    a = make_demo_dataset(str(tmp_path / 'a'), seed=3, **SMALL)
    b = make_demo_dataset(str(tmp_path / 'b'), seed=3, **SMALL)
    for key in ('videos_train', 'videos_val', 'classes'):
        assert open(a[key], 'rb').read() == open(b[key], 'rb').read()
    for rel in ('videos/square_001.mp4', 'images/train/circle/001.jpg'):
        pa, pb = osp.join(a['root'], rel), osp.join(b['root'], rel)
        if rel.endswith('.mp4'):
            fa = decord.VideoReader(pa).get_batch([0, 20]).asnumpy()
            fb = decord.VideoReader(pb).get_batch([0, 20]).asnumpy()
        else:
            fa, fb = cv2.imread(pa), cv2.imread(pb)
        np.testing.assert_array_equal(fa, fb)
    assert not np.array_equal(render_clip(0, 1, 4), render_clip(0, 2, 4))


def test_clips_move_and_classes_differ():
    clip = render_clip(2, 0, num_frames=16).astype(int)
    assert np.abs(clip[0] - clip[15]).mean() > 5  # motion
    with pytest.raises(ValueError, match='num_classes'):
        make_demo_dataset('/nonexistent', num_classes=9)


def test_class_is_only_the_shape():
    # same seed, other class: same colours and background, other silhouette
    imgs = [render_clip(c, 11, 1, 64)[0].astype(int) for c in range(4)]
    for c in range(1, 4):
        same = (imgs[0] == imgs[c]).all(-1).mean()
        assert 0.5 < same < 0.99, (c, same)
    # colours vary per instance: the mean colour is not a class code
    means = np.array([render_clip(0, s, 1, 64)[0].mean((0, 1))
                      for s in range(6)])
    assert means.std(0).min() > 10
    # similar areas (the class is not the size); object large at r = 0.28
    areas = []
    for c in range(4):
        mask = np.zeros((64, 64), np.uint8)
        cv2.fillPoly(mask, [_shape_points(c, 32, 32, 0.28 * 64, 0.3)], 1,
                     shift=4)
        areas.append(mask.sum() / 64**2)
    assert max(areas) / min(areas) < 1.6 and min(areas) > 0.12, areas


def test_object_brighter_than_background():
    grey = np.array([0.114, 0.587, 0.299])
    for seed in range(50):
        bg0, bg1, ob0, ob1 = _colours(np.random.default_rng(seed))
        assert ((ob0 + ob1) / 2 - (bg0 + bg1) / 2) @ grey >= 60


def test_bounce_reflects_into_range():
    p = np.array([2., 5., 9., 12., 17., -1.])
    np.testing.assert_allclose(_bounce(p, 2, 10), [2, 5, 9, 8, 3, 5])


def test_ensure_creates_once(tmp_path):
    root = str(tmp_path / 'demo')
    assert ensure_demo_dataset(root, rawframes=False) is not None
    assert ensure_demo_dataset(root) is None
    assert not [p for p in os.listdir(tmp_path) if '.tmp' in p]
