# Copyright (c) vicmae_mm contributors. All rights reserved.
import numpy as np
import pytest
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.datasets.sample_events import collect_sample_events
from vicmae_mm.datasets.transforms import SampleFramePair, sample_frame_indices

register_all_modules(init_default_scope=True)


@pytest.mark.parametrize('seed', range(5))
def test_gaps_within_range_and_inside_video(seed):
    rng = np.random.default_rng(seed)
    inds, status = sample_frame_indices(100, 5, 20, num_frames=3,
                                        num_pairs=50, rng=rng)
    assert status == 'ok' and inds.shape == (50, 3)
    gaps = np.diff(inds, axis=1)
    assert gaps.min() >= 5 and gaps.max() <= 20
    assert inds.min() >= 0 and inds.max() <= 99
    # random: not all groups identical
    assert len({tuple(r) for r in inds}) > 1


def test_gap_clamped_to_video():
    rng = np.random.default_rng(0)
    inds, status = sample_frame_indices(30, 10, 100, num_pairs=200, rng=rng)
    assert status == 'ok'
    gaps = inds[:, 1] - inds[:, 0]
    assert gaps.min() >= 10 and gaps.max() <= 29 and inds.max() <= 29
    assert gaps.max() > 20  # the upper range beyond the clamp is still used


def test_short_video_falls_back_to_largest_gap():
    inds, status = sample_frame_indices(7, 10, 20, num_pairs=20,
                                        rng=np.random.default_rng(0))
    assert status == 'short'
    np.testing.assert_array_equal(inds, [[0, 6]] * 20)
    inds, status = sample_frame_indices(7, 4, 20, num_frames=3,
                                        rng=np.random.default_rng(0))
    assert status == 'short' and list(np.diff(inds[0])) == [3, 3]


def test_single_frame_video_repeats_frame():
    inds, status = sample_frame_indices(1, 2, 5, num_pairs=3)
    assert status == 'single'
    np.testing.assert_array_equal(inds, np.zeros((3, 2)))


def test_test_mode_is_centred_and_deterministic():
    a, _ = sample_frame_indices(101, 10, 30, test_mode=True)
    b, _ = sample_frame_indices(101, 10, 30, test_mode=True)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, [[40, 60]])


@pytest.mark.parametrize('kwargs', [
    dict(total_frames=0, min_gap=1, max_gap=2),
    dict(total_frames=10, min_gap=3, max_gap=2),
    dict(total_frames=10, min_gap=-1, max_gap=2),
    dict(total_frames=10, min_gap=1, max_gap=2, num_frames=1),
    dict(total_frames=10, min_gap=1, max_gap=2, num_pairs=0),
])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        sample_frame_indices(**kwargs)


def test_transform_seconds_use_fps_and_start_index():
    t = SampleFramePair(min_gap=1.0, max_gap=2.0, gap_unit='second',
                        num_pairs=8)
    np.random.seed(0)
    out = t(dict(total_frames=500, avg_fps=25.0, start_index=1))
    inds = out['frame_inds'].reshape(8, 2)
    gaps = inds[:, 1] - inds[:, 0]
    assert gaps.min() >= 25 and gaps.max() <= 50
    assert inds.min() >= 1 and inds.max() <= 500
    assert out['clip_len'] == 2 and out['num_clips'] == 8
    np.testing.assert_array_equal(out['frame_gaps'][:, 0], gaps)
    # raw frames carry no fps: default_fps is used
    t = SampleFramePair(min_gap=1.0, max_gap=1.0, gap_unit='second',
                        default_fps=10)
    out = t(dict(total_frames=100))
    assert np.diff(out['frame_inds'])[0] == 10


def test_transform_reports_fallbacks():
    t = SampleFramePair(min_gap=8, max_gap=16)
    with collect_sample_events() as events:
        t(dict(total_frames=5, filename='short.mp4'))
        t(dict(total_frames=1, filename='one.mp4'))
        t(dict(total_frames=50, filename='ok.mp4'))
    assert [e[:2] for e in events] == [('short_video', 'short.mp4'),
                                       ('single_frame', 'one.mp4')]


def test_transform_repr_and_validation():
    t = SampleFramePair(2, 9, 'frame', 3, 4, 25.0, True)
    assert repr(t) == ("SampleFramePair(min_gap=2, max_gap=9, "
                       "gap_unit='frame', num_frames=3, num_pairs=4, "
                       'default_fps=25.0, test_mode=True, '
                       'pair_window=None)')
    with pytest.raises(ValueError, match='gap_unit'):
        SampleFramePair(gap_unit='minute')
    with pytest.raises(ValueError, match='min_gap'):
        SampleFramePair(min_gap=5, max_gap=2)


@pytest.mark.parametrize('seed', range(4))
def test_pair_window_keeps_starts_together_and_gaps_in_range(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        inds, status = sample_frame_indices(250, 12, 38, num_frames=3,
                                            num_pairs=4, rng=rng,
                                            pair_window=12)
        assert status == 'ok' and inds.shape == (4, 3)
        starts = inds[:, 0]
        assert starts.max() - starts.min() <= 12
        gaps = np.diff(inds, axis=1)
        assert gaps.min() >= 12 and gaps.max() <= 38
        assert inds.min() >= 0 and inds.max() <= 249
    # the window moves over the whole video, and groups differ inside it
    firsts = [sample_frame_indices(250, 12, 38, num_pairs=4, rng=rng,
                                   pair_window=12)[0][:, 0].min()
              for _ in range(200)]
    assert min(firsts) < 20 and max(firsts) > 150


def test_pair_window_zero_and_clamping_at_video_end():
    rng = np.random.default_rng(0)
    inds, _ = sample_frame_indices(100, 5, 20, num_pairs=6, rng=rng,
                                   pair_window=0)
    assert len(set(inds[:, 0])) == 1  # one shared start, own gaps
    # window longer than the video allows: every group still fits
    for _ in range(100):
        inds, status = sample_frame_indices(30, 10, 25, num_pairs=4,
                                            rng=rng, pair_window=1000)
        assert status == 'ok' and inds.max() <= 29 and inds.min() >= 0
        gaps = inds[:, 1] - inds[:, 0]
        assert gaps.min() >= 10 and gaps.max() <= 25
    # a short video falls back exactly as without a window
    inds, status = sample_frame_indices(7, 10, 20, num_pairs=3, rng=rng,
                                        pair_window=4)
    assert status == 'short'
    np.testing.assert_array_equal(inds, [[0, 6]] * 3)


def test_pair_window_seeded_rng_is_deterministic():
    def draw(seed, window):
        return sample_frame_indices(300, 4, 40, num_pairs=4,
                                    rng=np.random.default_rng(seed),
                                    pair_window=window)[0]

    np.testing.assert_array_equal(draw(3, 10), draw(3, 10))
    assert not np.array_equal(draw(3, 10), draw(4, 10))
    # None keeps the original draws (same rng stream as before the option)
    rng = np.random.default_rng(3)
    gaps = rng.integers(4, 41, size=(4, 1))
    starts = rng.integers(0, 300 - gaps[:, 0])
    np.testing.assert_array_equal(draw(3, None)[:, 0], starts)
    with pytest.raises(ValueError, match='pair_window'):
        sample_frame_indices(100, 1, 2, pair_window=-1)


def test_transform_pair_window_in_seconds():
    t = SampleFramePair(min_gap=0.5, max_gap=1.5, gap_unit='second',
                        num_pairs=4, pair_window=0.4)
    np.random.seed(0)
    for _ in range(20):
        out = t(dict(total_frames=250, avg_fps=25.0))
        inds = out['frame_inds'].reshape(4, 2)
        assert np.ptp(inds[:, 0]) <= 10  # 0.4 s at 25 fps
        assert out['frame_gaps'].min() >= 12 and out['frame_gaps'].max() <= 38
    assert 'pair_window=0.4' in repr(t)
    with pytest.raises(ValueError, match='pair_window'):
        SampleFramePair(pair_window=-0.5)
