# Copyright (c) vicmae_mm contributors. All rights reserved.
import logging
import math
from typing import Optional, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log
from mmpretrain.registry import TRANSFORMS

from ..sample_events import report_sample_event
from ..video_index import get_video_index
from .frame_pair_sampling import GOP, check_window, sample_frame_indices

GAP_UNITS = ('frame', 'second')
_WARNED_NO_FPS: set = set()


def warn_no_fps(path: str, default_fps: float) -> None:
    """Warn once per process that ``path`` has no frame rate at all."""
    if path in _WARNED_NO_FPS:
        return
    _WARNED_NO_FPS.add(path)
    print_log(
        f'{path!r} has no frame rate (stream, container and timestamps); '
        f'gaps in seconds use default_fps={default_fps}',
        logger='current',
        level=logging.WARNING)


def _valid_fps(value) -> Optional[float]:
    """A positive finite frame rate, or None (missing, 0, nan, inf)."""
    try:
        fps = float(value)
    except (TypeError, ValueError):
        return None
    return fps if math.isfinite(fps) and fps > 0 else None


@TRANSFORMS.register_module()
class SampleFramePair(BaseTransform):
    """Sample T frames (a pair by default) of one video, a gap apart.

    Draws ``num_pairs`` groups from one video so that a single decode feeds
    K training samples (repeated sampling as in MAE-ST and mmaction2's
    ``RepeatAugDataset``); ``PackFramePairs`` splits them again. The groups
    are independent over the whole video by default; with ``pair_window``
    their starts lie in one window, so the decoder reads one short span
    (much cheaper with K > 1, see :func:`sample_frame_indices` for the
    trade-off: the K samples are correlated in time); with
    ``pair_window='gop'`` they lie in one keyframe interval (from
    ``key_frame_inds``, added by ``ExactVideoInit``), which a decoder reads
    with one seek.
    Gaps are given in frames or in seconds (converted with the video's fps).
    A video without a usable fps (missing, 0 or nan, e.g. decord's
    ``avg_fps`` of a stream without an average rate) gets the container's
    nominal rate, or its timestamps' rate (read with PyAV); failing that
    ``default_fps`` is used, with a warning naming the file and a
    ``'no_fps'`` sample event. Short and single-frame videos fall back (see
    :func:`sample_frame_indices`) and are reported as ``'short_video'`` /
    ``'single_frame'`` sample events instead of failing.

    Required Keys:

    - total_frames
    - start_index (optional, 0 when absent; 1 for raw frames)
    - avg_fps or fps (when ``gap_unit='second'``; ``default_fps`` otherwise)
    - filename or frame_dir (optional, for the event log)
    - key_frame_inds (optional, for ``pair_window='gop'``; read from the
      video when absent)

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
            results carry none (raw frames, or a video without any frame
            rate). Defaults to 30.
        test_mode (bool): Deterministic centred sampling. Defaults to False.
        pair_window (float | str, optional): Length of the window holding
            the K group starts, in ``gap_unit``, or ``'gop'``. Defaults to
            None (whole video).

    Example:
        >>> import numpy as np
        >>> t = SampleFramePair(min_gap=0.5, max_gap=1.0, gap_unit='second',
        ...                     num_pairs=2, pair_window='gop')
        >>> np.random.seed(0)
        >>> out = t(dict(total_frames=300, avg_fps=25.,
        ...              key_frame_inds=np.array([0, 125, 250])))
        >>> out['frame_inds'].shape, int(out['frame_gaps'].min()) >= 12
        ((4,), True)
    """

    def __init__(self,
                 min_gap: float = 1,
                 max_gap: float = 30,
                 gap_unit: str = 'frame',
                 num_frames: int = 2,
                 num_pairs: int = 1,
                 default_fps: float = 30.,
                 test_mode: bool = False,
                 pair_window: Optional[Union[float, str]] = None) -> None:
        if gap_unit not in GAP_UNITS:
            raise ValueError('SampleFramePair: gap_unit must be one of '
                             f'{GAP_UNITS}, got {gap_unit!r}')
        if min_gap < 0 or max_gap < min_gap:
            raise ValueError('SampleFramePair: expected 0 <= min_gap <= '
                             f'max_gap, got min_gap={min_gap}, '
                             f'max_gap={max_gap}')
        if num_frames < 2 or num_pairs < 1:
            raise ValueError('SampleFramePair: num_frames must be >= 2 and '
                             f'num_pairs >= 1, got {num_frames} and '
                             f'{num_pairs}')
        check_window(pair_window)
        self.min_gap = min_gap
        self.max_gap = max_gap
        self.gap_unit = gap_unit
        self.num_frames = num_frames
        self.num_pairs = num_pairs
        self.default_fps = default_fps
        self.test_mode = test_mode
        self.pair_window = pair_window

    def video_fps(self, results: dict) -> float:
        """The fps used to convert seconds to frames (see class doc)."""
        fps = _valid_fps(results.get('avg_fps')) or _valid_fps(
            results.get('fps'))
        if fps:
            return fps
        path = results.get('filename')
        if path is None:  # raw frames carry no fps: the documented default
            return self.default_fps
        try:
            fps = _valid_fps(get_video_index(path).fps)
        except (OSError, ValueError, ImportError):
            fps = None
        if fps:
            results['avg_fps'] = fps
            return fps
        warn_no_fps(path, self.default_fps)
        report_sample_event('no_fps', path,
                            f'no frame rate; default_fps={self.default_fps}')
        return self.default_fps

    def key_frames(self, results: dict) -> Optional[np.ndarray]:
        """Keyframes (display order) for ``pair_window='gop'``.

        From ``ExactVideoInit`` (``key_frame_inds``), else read from the
        video's cached index (e.g. after ``mmaction.DecordInit``, whose
        keyframe numbers are in decode order); None for raw frames.
        """
        if results.get('key_frame_inds') is not None:
            return results['key_frame_inds']
        if results.get('filename') is None:
            return None
        try:
            return get_video_index(results['filename']).key_inds
        except (OSError, ValueError):
            return None  # the decoder will report the file

    def to_frames(self, value: float, fps: Optional[float]) -> int:
        """Convert a length in ``gap_unit`` to frames at ``fps``."""
        if self.gap_unit == 'frame':
            return int(round(value))
        return int(round(value * fps))

    def sample(self,
               results: dict,
               rng: Optional[np.random.Generator] = None
               ) -> Tuple[np.ndarray, str]:
        """Draw the K groups of T frame indices of one video.

        Args:
            results (dict): ``total_frames`` and, as the class doc says, the
                fps and keyframe keys.
            rng (np.random.Generator, optional): Generator of the draw; None
                uses numpy's global state (seeded per worker by mmengine).
                The shard writer passes a generator per source.

        Returns:
            tuple[np.ndarray, str]: Indices (K, T) int64, 0-based, and
            ``'ok'``, ``'short'`` or ``'single'``; the fallbacks are
            reported as sample events.
        """
        fps = self.video_fps(results) if self.gap_unit == 'second' else None
        min_gap = self.to_frames(self.min_gap, fps)
        window = self.pair_window
        if window is not None and window != GOP:
            window = self.to_frames(window, fps)
        inds, status = sample_frame_indices(
            int(results['total_frames']),
            min_gap,
            self.to_frames(self.max_gap, fps),
            self.num_frames,
            self.num_pairs,
            self.test_mode,
            rng=rng,
            pair_window=window,
            key_frames=self.key_frames(results) if window == GOP else None)
        if status != 'ok':
            path = results.get('filename', results.get('frame_dir', '?'))
            reason = 'short_video' if status == 'short' else 'single_frame'
            report_sample_event(
                reason, path, f'{results["total_frames"]} frames, '
                f'min gap {min_gap}')
        return inds, status

    def transform(self, results: dict) -> dict:
        """Add ``frame_inds`` for K groups of T frames."""
        inds, _ = self.sample(results)
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
                f'pair_window={self.pair_window!r})')
