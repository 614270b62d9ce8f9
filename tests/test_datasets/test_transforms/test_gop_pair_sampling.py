# Copyright (c) vicmae_mm contributors. All rights reserved.
"""``pair_window='gop'``: K pairs from one keyframe interval.

What must not change: the gap distribution (same draws for the same seed,
uniform over [min_gap, max_gap]) and the marginal law of each start
(uniform over the room). What changes: the K starts share one interval.
"""
import numpy as np
import pytest
from scipy.stats import chisquare

from vicmae_mm.datasets.transforms import SampleFramePair, sample_frame_indices
from vicmae_mm.datasets.video_index import decode_runs

KEYS = np.array([0, 7, 50, 61, 140, 260])  # irregular, like scene cuts


def _draw(seed, window, n=1, total=300, keys=KEYS, gaps=(10, 40)):
    rng = np.random.default_rng(seed)
    return [
        sample_frame_indices(
            total,
            *gaps,
            num_pairs=4,
            rng=rng,
            pair_window=window,
            key_frames=keys)[0] for _ in range(n)
    ]


@pytest.mark.parametrize('seed', range(20))
def test_same_seed_same_gaps_in_every_mode(seed):
    gaps = [np.diff(_draw(seed, w)[0], axis=-1) for w in (None, 12, 'gop')]
    np.testing.assert_array_equal(gaps[0], gaps[1])
    np.testing.assert_array_equal(gaps[0], gaps[2])


def test_gaps_stay_uniform_over_the_range():
    gaps = np.diff(np.concatenate(_draw(0, 'gop', 3000)), axis=1).ravel()
    counts = np.bincount(gaps - 10, minlength=31)
    assert gaps.min() == 10 and gaps.max() == 40
    assert chisquare(counts).pvalue > 0.001


def test_each_start_is_uniform_over_the_room_and_k_share_an_interval():
    draws = _draw(1, 'gop', 4000)
    starts = np.stack([d[:, 0] for d in draws])  # (N, K)
    spans = np.stack([d[:, 1] - d[:, 0] for d in draws])
    room = 300 - 1 - spans.max(axis=1)
    assert (starts <= room[:, None]).all() and starts.min() >= 0
    # same keyframe interval for the K starts of a draw
    interval = np.searchsorted(KEYS, starts, side='right')
    assert (interval == interval[:, :1]).all()
    # the marginal with a fixed gap (so a fixed room, 300 - 1 - 20 = 279):
    # uniform over the 280 positions, 14 per bin
    starts = np.stack([d[:, 0] for d in _draw(2, 'gop', 4000, gaps=(20, 20))])
    counts = np.bincount(starts.ravel() // 14, minlength=20)
    assert len(counts) == 20 and chisquare(counts).pvalue > 0.001
    # frames right after a keyframe are not favoured: the short interval
    # [0, 7) gets its share (7 of 280) and no more
    share = (starts[:, 0] < 7).mean()
    assert 0.6 * 7 / 280 < share < 1.5 * 7 / 280


def test_one_seek_per_sample_and_no_frame_twice():

    class Index:
        key_inds = KEYS

        def keyframe_of(self, f):
            pos = np.searchsorted(self.key_inds, f, side='right') - 1
            return self.key_inds[pos]

    for inds in _draw(2, 'gop', 200):
        runs = decode_runs(Index(), inds.ravel())
        first_key = Index().keyframe_of(inds[:, 0].min())
        assert runs[0][0] == first_key  # one seek to the starts' keyframe
        # a later seek only jumps forward past frames nobody wants
        ends = [r[1][-1] for r in runs]
        assert all(k > e for (k, _), e in zip(runs[1:], ends))


def test_without_keyframes_the_video_is_one_interval():
    a = _draw(5, 'gop', 200, keys=None)
    starts = np.concatenate([d[:, 0] for d in a])
    assert starts.max() > 200 and starts.min() < 20


def test_transform_reads_key_frame_inds_and_validates():
    t = SampleFramePair(min_gap=10, max_gap=20, num_pairs=3, pair_window='gop')
    np.random.seed(0)
    for _ in range(20):
        out = t(dict(total_frames=300, key_frame_inds=KEYS))
        starts = out['frame_inds'].reshape(3, 2)[:, 0]
        assert len(set(np.searchsorted(KEYS, starts, side='right'))) == 1
    assert "pair_window='gop'" in repr(t)
    with pytest.raises(ValueError, match='pair_window'):
        SampleFramePair(pair_window='window')
