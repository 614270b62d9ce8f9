# Copyright (c) vicmae_mm contributors. All rights reserved.
import json

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from ...utils.checks import check_at_least
from ..decode_errors import CorruptSampleError
from ..shard_io import FRAME_FIELD, META_FIELD, MemberReader


@TRANSFORMS.register_module()
class LoadShardFramePair(BaseTransform):
    """Read one pre-paired sample (T JPEG frames + metadata) from a shard.

    The first transform of a ``FramePairShardDataset`` pipeline; the output
    looks like a decoded video sample, so the usual ``PerFrameAugment`` and
    ``PackFramePairs`` follow. Members are read by byte offset (the shard
    files stay open per worker, a few at a time). A member that is missing,
    truncated or does not decode raises ``ValueError``/``OSError`` naming
    ``shard:key``, so the dataset skips and counts the sample.

    Required Keys:

    - shard, key, members (from ``FramePairShardDataset``)

    Added Keys:

    - imgs (list of T (H, W, 3) uint8 RGB arrays)
    - frame_inds (np.ndarray (T, ) int, in the source video)
    - frame_gaps (np.ndarray (1, T-1) int)
    - filename (the source video), total_frames, avg_fps, label
    - img_shape, original_shape

    Args:
        num_frames (int): Frames per sample T. Defaults to 2.
        decode_backend (str): mmcv image backend for the JPEGs
            (``'cv2'``, ``'pillow'``, ``'turbojpeg'``). Defaults to 'cv2'.
        max_open (int): Shard files kept open per worker. Defaults to 8.

    Example:
        >>> t = LoadShardFramePair()
        >>> t
        LoadShardFramePair(num_frames=2, decode_backend='cv2', max_open=8)
    """

    def __init__(self,
                 num_frames: int = 2,
                 decode_backend: str = 'cv2',
                 max_open: int = 8) -> None:
        self.num_frames = check_at_least('LoadShardFramePair', 'num_frames',
                                         num_frames, 1)
        self.decode_backend = decode_backend
        self.max_open = max_open
        self.reader = MemberReader(max_open)

    def _member(self, results: dict, field: str) -> bytes:
        name = f'{results["shard"]}:{results["key"]}'
        members = results['members']
        if field not in members:
            raise CorruptSampleError(
                f'{name}: no member {field!r} (has {sorted(members)})')
        offset, size = members[field]
        return self.reader.read(results['shard'], offset, size)

    def transform(self, results: dict) -> dict:
        """Read, decode and describe one sample."""
        name = f'{results["shard"]}:{results["key"]}'
        try:
            meta = json.loads(self._member(results, META_FIELD))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CorruptSampleError(f'{name}: bad metadata ({e})') from e
        if not isinstance(meta, dict):
            raise CorruptSampleError(f'{name}: metadata is not a JSON object')
        imgs = []
        for t in range(self.num_frames):
            data = self._member(results, FRAME_FIELD.format(t))
            try:
                img = mmcv.imfrombytes(
                    data,
                    flag='color',
                    channel_order='rgb',
                    backend=self.decode_backend)
            except Exception as e:  # cv2.error, PIL errors
                raise CorruptSampleError(
                    f'{name}: frame {t} is not a readable image '
                    f'({type(e).__name__})') from e
            if img is None:
                raise CorruptSampleError(
                    f'{name}: frame {t} is not a readable JPEG')
            imgs.append(img)
        results['imgs'] = imgs
        results['frame_inds'] = np.asarray(
            meta.get('frame_inds', range(self.num_frames)), dtype=np.int64)
        results['frame_gaps'] = np.diff(results['frame_inds'])[None]
        results['filename'] = meta.get('source', name)
        results['total_frames'] = meta.get('total_frames', -1)
        results['avg_fps'] = meta.get('fps')
        results['label'] = meta.get('label', -1)
        results['img_shape'] = results['original_shape'] = imgs[0].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_frames={self.num_frames}, '
                f'decode_backend={self.decode_backend!r}, '
                f'max_open={self.max_open})')
