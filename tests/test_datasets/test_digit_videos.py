# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The learning check's moving-digit set: layout, determinism, held-out."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from vicmae_mm.datasets.digit_videos import (digit_split, ensure_digit_videos,
                                             make_digit_videos)


@pytest.fixture(scope='module')
def digits(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('digits') / 'set')
    counts = make_digit_videos(root, num_train=12, num_val=10)
    return root, counts


def test_layout(digits):
    root, counts = digits
    assert counts == dict(videos=12, train_images=12, val_images=10)
    lines = open(osp.join(root, 'rawframes_train.txt')).read().splitlines()
    assert len(lines) == 12
    name, total, label = lines[3].split()
    assert (name, total) == ('0003', '16') and 0 <= int(label) <= 9
    frames = sorted(os.listdir(osp.join(root, 'rawframes', name)))
    assert frames[0] == 'img_00001.png' and len(frames) == 16
    img = cv2.imread(osp.join(root, 'rawframes', name, frames[0]))
    assert img.shape == (64, 64, 3)
    for split, n in (('train', 12), ('val', 10)):
        found = [f for d in range(10)
                 for f in os.listdir(osp.join(root, 'images', split, str(d)))]
        assert len(found) == n


def test_frames_move_and_change_colour(digits):
    root, _ = digits
    first, last = (cv2.imread(osp.join(root, 'rawframes', '0000',
                                       f'img_{i:05d}.png')).astype(float)
                   for i in (1, 16))
    assert np.abs(first - last).mean() > 10  # not a still image


def test_deterministic_and_held_out(tmp_path, digits):
    root, _ = digits
    again = str(tmp_path / 'again')
    make_digit_videos(again, num_train=12, num_val=10)
    for rel in ('rawframes/0005/img_00007.png', 'rawframes_train.txt'):
        with open(osp.join(root, rel), 'rb') as a, \
                open(osp.join(again, rel), 'rb') as b:
            assert a.read() == b.read(), rel
    xtr, ytr, xva, yva = digit_split(0, 1200)
    assert len(xtr) == 1200 and len(xva) == 597
    # no held-out digit image is a train digit image
    train = {x.tobytes() for x in xtr}
    assert not any(x.tobytes() in train for x in xva)


def test_ensure_is_idempotent(tmp_path, monkeypatch):
    import vicmae_mm.datasets.digit_videos as dv
    calls = []

    def fake(out, seed=0):
        calls.append(out)
        os.makedirs(out)
        open(osp.join(out, f'.complete_v{dv.VERSION}'), 'w').close()

    monkeypatch.setattr(dv, 'make_digit_videos', fake)
    root = str(tmp_path / 'd')
    assert ensure_digit_videos(root) == root
    assert ensure_digit_videos(root) is None and len(calls) == 1
    with pytest.raises(ValueError, match='data_root'):
        ensure_digit_videos('')
