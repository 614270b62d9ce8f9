# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from ..sample_events import report_sample_event

GAP_UNITS = ('frame', 'second')


def sample_frame_indices(total_frames: int,
                         min_gap: int,
                         max_gap: int,
                         num_frames: int = 2,
                         num_pairs: int = 1,
                         test_mode: bool = False,
                         rng: Optional[np.random.Generator] = None,
                         pair_window: Optional[int] = None
                         ) -> Tuple[np.ndarray, str]:
    """Choose ``num_pairs`` groups of ``num_frames`` frame indices.

    Consecutive frames of a group are ``gap`` frames apart, each gap drawn
    uniformly from ``[min_gap, max_gap]`` (inclusive) and clamped so that the
    group fits in the video; the group start is uniform over the positions
    that fit. In test mode the gap is the middle of the allowed range and the
    group is centred. A video too short for ``min_gap`` uses the largest gap
    it allows (status ``'short'``); a single-frame video repeats frame 0
    (status ``'single'``).

    With ``pair_window`` the K group starts are drawn within one window of
    that many frames (each group keeps its own gap): the window start is
    uniform over the positions where every group fits, then each start is
    uniform within the window. The window shrinks to what the video allows
    (at worst the whole video, as with ``None``). All K*T frames then lie in
    ``pair_window + max span`` consecutive frames, which a video decoder
    reads in one forward pass instead of one seek per group. Trade-off: the
    K samples of one video are correlated in time (they overlap or are
    close), as in MAE-ST's repeated sampling, so they are less diverse
    than K independent draws, and in a contrastive batch they are
    negatives of each other although they show nearly the same moment.

    Args:
        total_frames (int): Number of frames of the video (>= 1).
        min_gap (int): Smallest gap between consecutive frames (>= 0).
        max_gap (int): Largest gap (>= min_gap).
        num_frames (int): Frames per group, T >= 2. Defaults to 2.
        num_pairs (int): Groups drawn from the same video, K >= 1.
            Defaults to 1.
        test_mode (bool): Deterministic centred sampling. Defaults to False.
        rng (np.random.Generator, optional): Random generator. Defaults to
            None (a fresh ``np.random.default_rng()`` seeded from
            ``np.random``, so DataLoader worker seeding applies).
        pair_window (int, optional): Length in frames of the window holding
            the K group starts (0 = all groups start on the same frame).
            Defaults to None (starts independent over the whole video).

    Returns:
        tuple[np.ndarray, str]: Indices (K, T) int64, 0-based, and a status
        among ``'ok'``, ``'short'``, ``'single'``.
    """
    if int(total_frames) < 1:
        raise ValueError(f'total_frames must be >= 1, got {total_frames}')
    if num_frames < 2 or num_pairs < 1:
        raise ValueError('num_frames must be >= 2 and num_pairs >= 1, got '
                         f'{num_frames} and {num_pairs}')
    if min_gap < 0 or max_gap < min_gap:
        raise ValueError('expected 0 <= min_gap <= max_gap, got '
                         f'min_gap={min_gap}, max_gap={max_gap}')
    if pair_window is not None and pair_window < 0:
        raise ValueError(f'pair_window must be >= 0 or None, got '
                         f'{pair_window}')
    if total_frames == 1:
        return np.zeros((num_pairs, num_frames), dtype=np.int64), 'single'
    allowed = (total_frames - 1) // (num_frames - 1)
    if allowed < min_gap:
        low = high = allowed
        status = 'short'
    else:
        low, high, status = min_gap, min(max_gap, allowed), 'ok'
    if test_mode:
        gaps = np.full((num_pairs, num_frames - 1), (low + high) // 2)
        span = gaps.sum(axis=1)
        starts = (total_frames - 1 - span) // 2
    else:
        if rng is None:
            rng = np.random.default_rng(np.random.randint(2**31))
        gaps = rng.integers(low, high + 1, size=(num_pairs, num_frames - 1))
        span = gaps.sum(axis=1)  # (K, ) <= total_frames - 1 by the clamp
        if pair_window is None:
            starts = rng.integers(0, total_frames - span)
        else:
            room = total_frames - 1 - int(span.max())  # last common start
            window = min(int(pair_window), room)
            first = rng.integers(0, room - window + 1)
            starts = first + rng.integers(0, window + 1, size=num_pairs)
    offsets = np.concatenate(
        [np.zeros((num_pairs, 1), dtype=np.int64),
         np.cumsum(gaps, axis=1)], axis=1)  # (K, T)
    return (starts[:, None] + offsets).astype(np.int64), status


@TRANSFORMS.register_module()
class SampleFramePair(BaseTransform):
    """Sample T frames (a pair by default) of one video, a gap apart.

    Draws ``num_pairs`` groups from one video so that a single decode feeds
    K training samples (repeated sampling as in MAE-ST and mmaction2's
    ``RepeatAugDataset``); ``PackFramePairs`` splits them again. The groups
    are independent over the whole video by default; with ``pair_window``
    their starts lie in one window, so the decoder reads one short span
    (much cheaper with K > 1, see :func:`sample_frame_indices` for the
    trade-off: the K samples are correlated in time).
    Gaps are given in frames or in seconds (converted with the video's fps).
    Short and single-frame videos fall back (see
    :func:`sample_frame_indices`) and are reported as ``'short_video'`` /
    ``'single_frame'`` sample events instead of failing.

    Required Keys:

    - total_frames
    - start_index (optional, 0 when absent; 1 for raw frames)
    - avg_fps or fps (when ``gap_unit='second'``; ``default_fps`` otherwise)
    - filename or frame_dir (optional, for the event log)

    Added Keys:

    - frame_inds (np.ndarray of K*T int, flat, with ``start_index`` added)
    - clip_len (T), num_clips (K), frame_interval (None)
    - frame_gaps (np.ndarray (K, T-1) of int)

    Args:
        min_gap (float): Smallest gap between consecutive frames.
            Defaults to 1.
        max_gap (float): Largest gap. Defaults to 30.
        gap_unit (str): ``'frame'`` or ``'second'``. Defaults to 'frame'.
        num_frames (int): Frames per sample T. Defaults to 2.
        num_pairs (int): Samples per decoded video K. Defaults to 1.
        default_fps (float): fps used with ``gap_unit='second'`` when the
            results carry none (raw frames). Defaults to 30.
        test_mode (bool): Deterministic centred sampling. Defaults to False.
        pair_window (float, optional): Length of the window holding the K
            group starts, in ``gap_unit``. Defaults to None (whole video).
    """

    def __init__(self,
                 min_gap: float = 1,
                 max_gap: float = 30,
                 gap_unit: str = 'frame',
                 num_frames: int = 2,
                 num_pairs: int = 1,
                 default_fps: float = 30.,
                 test_mode: bool = False,
                 pair_window: Optional[float] = None) -> None:
        if gap_unit not in GAP_UNITS:
            raise ValueError(f'gap_unit must be one of {GAP_UNITS}, '
                             f'got {gap_unit!r}')
        if min_gap < 0 or max_gap < min_gap:
            raise ValueError('expected 0 <= min_gap <= max_gap, got '
                             f'min_gap={min_gap}, max_gap={max_gap}')
        if num_frames < 2 or num_pairs < 1:
            raise ValueError('num_frames must be >= 2 and num_pairs >= 1, '
                             f'got {num_frames} and {num_pairs}')
        if pair_window is not None and pair_window < 0:
            raise ValueError(f'pair_window must be >= 0 or None, got '
                             f'{pair_window}')
        self.min_gap = min_gap
        self.max_gap = max_gap
        self.gap_unit = gap_unit
        self.num_frames = num_frames
        self.num_pairs = num_pairs
        self.default_fps = default_fps
        self.test_mode = test_mode
        self.pair_window = pair_window

    def to_frames(self, value: float, results: dict) -> int:
        """Convert a length in ``gap_unit`` to frames for this video."""
        if self.gap_unit == 'frame':
            return int(round(value))
        fps = results.get('avg_fps') or results.get('fps') or self.default_fps
        return int(round(value * fps))

    def gap_in_frames(self, results: dict) -> Tuple[int, int]:
        """Return (min_gap, max_gap) in frames for this video."""
        return (self.to_frames(self.min_gap, results),
                self.to_frames(self.max_gap, results))

    def transform(self, results: dict) -> dict:
        """Add ``frame_inds`` for K groups of T frames."""
        min_gap, max_gap = self.gap_in_frames(results)
        window = (None if self.pair_window is None else self.to_frames(
            self.pair_window, results))
        inds, status = sample_frame_indices(
            int(results['total_frames']), min_gap, max_gap, self.num_frames,
            self.num_pairs, self.test_mode, pair_window=window)
        if status != 'ok':
            path = results.get('filename', results.get('frame_dir', '?'))
            reason = 'short_video' if status == 'short' else 'single_frame'
            report_sample_event(
                reason, path, f'{results["total_frames"]} frames, '
                f'min gap {min_gap}')
        results['frame_gaps'] = np.diff(inds, axis=1)
        results['frame_inds'] = (inds.reshape(-1) +
                                 results.get('start_index', 0)).astype(int)
        results['clip_len'] = self.num_frames
        results['num_clips'] = self.num_pairs
        results['frame_interval'] = None
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_gap={self.min_gap}, '
                f'max_gap={self.max_gap}, gap_unit={self.gap_unit!r}, '
                f'num_frames={self.num_frames}, num_pairs={self.num_pairs}, '
                f'default_fps={self.default_fps}, '
                f'test_mode={self.test_mode}, '
                f'pair_window={self.pair_window})')
