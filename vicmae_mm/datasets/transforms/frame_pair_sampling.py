# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Index math of ``SampleFramePair`` (pure functions, not registered)."""
from typing import Optional, Tuple, Union

import numpy as np

#: ``pair_window`` value: the K group starts share one keyframe interval
GOP = 'gop'


def _gop_starts(rng: np.random.Generator, room: int, num_pairs: int,
                key_frames: Optional[np.ndarray]) -> np.ndarray:
    """K starts in one keyframe interval, uniform over ``[0, room]``.

    The interval ``[k_j, k_{j+1})`` (clipped to ``[0, room]``) is chosen
    with probability proportional to its length, then the K starts are
    uniform and independent inside it, so each start on its own is uniform
    over ``[0, room]``.
    """
    keys = np.zeros(1, np.int64) if key_frames is None else np.unique(
        np.concatenate([[0], np.asarray(key_frames, np.int64)]))
    keys = keys[keys <= room]
    ends = np.append(keys[1:], room + 1)  # exclusive
    lengths = ends - keys
    j = rng.choice(len(keys), p=lengths / lengths.sum())
    return keys[j] + rng.integers(0, lengths[j], size=num_pairs)


def sample_frame_indices(
        total_frames: int,
        min_gap: int,
        max_gap: int,
        num_frames: int = 2,
        num_pairs: int = 1,
        test_mode: bool = False,
        rng: Optional[np.random.Generator] = None,
        pair_window: Optional[Union[int, str]] = None,
        key_frames: Optional[np.ndarray] = None) -> Tuple[np.ndarray, str]:
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

    With ``pair_window='gop'`` the K starts lie in one keyframe interval of
    the video (``key_frames``), so a decoder seeks once, to that keyframe,
    and decodes forward (nothing before the keyframe, no frame twice). The
    interval is chosen with probability proportional to its length and the
    starts are uniform and independent inside it. What changes, exactly:
    the gaps do not (drawn first, from the same random stream: the same
    seed gives the same gaps in every mode); each start on its own stays
    uniform over ``[0, total_frames - 1 - max span]`` (the marginal of the
    independent mode, except that the K groups share the room of the
    longest one); only the joint law of the K starts changes: they are no
    longer independent over the whole video but fall in the same keyframe
    interval (with a single keyframe, as in many short clips, they are
    independent). Without ``key_frames`` the whole video is one interval.

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
        pair_window (int | str, optional): Length in frames of the window
            holding the K group starts (0 = all groups start on the same
            frame), or ``'gop'`` (one keyframe interval, see above).
            Defaults to None (starts independent over the whole video).
        key_frames (np.ndarray, optional): Display indices of the
            keyframes (0-based), for ``pair_window='gop'``. Defaults to
            None.

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
    check_window(pair_window)
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
        elif pair_window == GOP:
            starts = _gop_starts(rng, total_frames - 1 - int(span.max()),
                                 num_pairs, key_frames)
        else:
            room = total_frames - 1 - int(span.max())  # last common start
            window = min(int(pair_window), room)
            first = rng.integers(0, room - window + 1)
            starts = first + rng.integers(0, window + 1, size=num_pairs)
    offsets = np.concatenate(
        [np.zeros((num_pairs, 1), dtype=np.int64),
         np.cumsum(gaps, axis=1)],
        axis=1)  # (K, T)
    return (starts[:, None] + offsets).astype(np.int64), status


def check_window(pair_window) -> None:
    """ValueError unless ``pair_window`` is None, 'gop' or a number >= 0."""
    if pair_window is None or pair_window == GOP:
        return
    if isinstance(pair_window, str) or pair_window < 0:
        raise ValueError(f"pair_window must be >= 0, 'gop' or None, got "
                         f'{pair_window!r}')
