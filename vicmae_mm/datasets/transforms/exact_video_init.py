# Copyright (c) vicmae_mm contributors. All rights reserved.
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from ...utils.checks import check_at_least
from ..video_index import INDEX_CACHE, get_video_index


@TRANSFORMS.register_module()
class ExactVideoInit(BaseTransform):
    """Read a video's frame and keyframe index (PyAV packets, no decode).

    The counterpart of mmaction2's ``DecordInit`` for
    :class:`ExactVideoDecode`: frames are numbered in display order by
    timestamp (frame i = the i-th frame of a sequential decode) and the
    keyframes are given in that order, which is what ``SampleFramePair``
    needs for ``pair_window='gop'``. The index is cached per process (a
    DataLoader worker), so a video seen again costs no demuxing; the file is
    not kept open between transforms. Needs PyAV (``av``).

    The frame rate is the stream's average rate, else the container's
    nominal rate, else the rate of the timestamps; ``avg_fps`` is None
    when the file has none (``SampleFramePair`` then warns and uses its
    ``default_fps``).

    Required Keys:

    - filename

    Added Keys:

    - total_frames
    - avg_fps (float or None)
    - fps_source (``'average'``, ``'container'``, ``'timestamps'`` or
      ``'none'``)
    - key_frame_inds (np.ndarray of int, display order, starts with 0)
    - start_index (0)
    - video_index (the index, consumed by ``ExactVideoDecode``)

    Args:
        cache_size (int): Indices kept per process (least recently used
            dropped; about 3 KB each for a 10 s clip). 0 disables the
            cache. Defaults to 1024.

    Example:
        >>> import os.path as osp, tempfile
        >>> from vicmae_mm.datasets.synthetic_video import (
        ...     write_synthetic_video)
        >>> path = write_synthetic_video(
        ...     osp.join(tempfile.mkdtemp(), 'v.mp4'), 'h264', 30, 64, 48, 10)
        >>> out = ExactVideoInit()(dict(filename=path))
        >>> out['total_frames'], out['avg_fps'], out['key_frame_inds'].tolist()
        (30, 25.0, [0, 10, 20])
    """

    def __init__(self, cache_size: int = 1024) -> None:
        self.cache_size = check_at_least('ExactVideoInit', 'cache_size',
                                         cache_size, 0)

    def transform(self, results: dict) -> dict:
        """Add the index entries for ``results['filename']``."""
        INDEX_CACHE.size = self.cache_size
        index = get_video_index(results['filename'], cache=self.cache_size > 0)
        results['total_frames'] = index.num_frames
        results['avg_fps'] = index.fps
        results['fps_source'] = index.fps_source
        results['key_frame_inds'] = index.key_inds
        results['start_index'] = 0
        results['video_index'] = index
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(cache_size={self.cache_size})'
