# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import List, Optional, Sequence

import torch
from mmpretrain.datasets.transforms import PackInputs
from mmpretrain.registry import TRANSFORMS

from ..video_ids import SOURCE_KEYS, source_of, video_id

DEFAULT_META_KEYS = ('sample_idx', 'filename', 'frame_dir', 'img_path',
                     'frame_inds', 'total_frames', 'original_shape',
                     'ori_shape', 'img_shape')


@TRANSFORMS.register_module()
class PackFramePairs(PackInputs):
    """``PackInputs`` that splits K*T frames into K samples of T frames.

    Always returns a **list** of K packed dicts (K = 1 included), the way
    mmaction2's ``RepeatAugDataset`` returns its repeated samples: one return
    type, whatever ``SampleFramePair(num_pairs=K)`` or
    ``ImageToFrames(num_frames=2K)`` produced. The dataloader flattens the
    lists with ``collate_fn=dict(type='repeat_default_collate')``, so a batch
    of B indices holds B*K samples (the effective batch size). mmengine's
    ``default_collate`` alone would collate the lists position by position
    and hand the data preprocessor a list instead of a dict.

    Required Keys:

    - img (list of K*T HWC arrays; the ``input_key``)
    - frame_inds (optional, split like the frames)
    - gt_label or label (optional; mmaction's ``label`` becomes
      ``gt_label``, -1 for unlabelled videos)

    Added Keys (in each of the K dicts):

    - inputs (list of T tensors (C, H, W))
    - data_samples (:obj:`DataSample`, with ``pair_index`` in metainfo)
    - video_id (0-dim int64 tensor, the same for the K samples: a hash of
      the source, :func:`~vicmae_mm.datasets.video_ids.video_id`), which
      the collate stacks into a (B*K, ) tensor and
      ``FramePairDataPreprocessor`` hands to the model, so that the K pairs
      of one video are not each other's negatives. Left out when
      ``video_id_keys`` is empty, or when no key names a source and K = 1
      (the row is then its own video).

    Args:
        num_frames (int): Frames per sample T >= 2. Defaults to 2.
        input_key (str): Key of the frames. Defaults to 'img'.
        algorithm_keys (Sequence[str]): See ``PackInputs``. Defaults to ().
        meta_keys (Sequence[str]): See ``PackInputs``. Defaults to
            ``DEFAULT_META_KEYS`` (sample_idx, filename, frame_dir, img_path,
            frame_inds, total_frames, original_shape, ori_shape,
            img_shape).
        video_id_keys (Sequence[str]): Results keys naming the source, the
            first present one is hashed into ``video_id``. Defaults to
            ``('filename', 'frame_dir', 'img_path')``. ``()`` attaches no
            ids; the frame-pair datasets then refuse a pipeline with K > 1.

    Example:
        >>> import numpy as np
        >>> frames = [np.zeros((8, 8, 3), np.uint8) for _ in range(4)]
        >>> packed = PackFramePairs(num_frames=2).transform(
        ...     dict(img=frames, filename='v.mp4'))
        >>> len(packed), len(packed[0]['inputs']), packed[0]['inputs'][0].shape
        (2, 2, torch.Size([3, 8, 8]))
        >>> [p['data_samples'].pair_index for p in packed]
        [0, 1]
        >>> bool(packed[0]['video_id'] == packed[1]['video_id'])
        True
    """

    def __init__(self,
                 num_frames: int = 2,
                 input_key: str = 'img',
                 algorithm_keys=(),
                 meta_keys=DEFAULT_META_KEYS,
                 video_id_keys: Sequence[str] = SOURCE_KEYS) -> None:
        if num_frames < 2:  # ViC-MAE contrasts T >= 2 frames per sample
            raise ValueError('PackFramePairs: num_frames (frames per sample '
                             f'T) must be >= 2, got {num_frames}')
        self.num_frames = num_frames
        self.video_id_keys = tuple(video_id_keys)
        super().__init__(input_key, algorithm_keys,
                         tuple(meta_keys) + ('pair_index', ))

    def transform(self, results: dict) -> List[dict]:
        """Pack the K*T frames of ``results`` into K samples.

        Args:
            results (dict): The pipeline's results.

        Returns:
            list[dict]: K dicts with ``inputs`` (T tensors (C, H, W)) and
            ``data_samples``.
        """
        frames = results[self.input_key]
        if not isinstance(frames, list) or len(frames) % self.num_frames:
            raise ValueError(
                f'{self.input_key!r} must be a list of a multiple of '
                f'{self.num_frames} frames, got {type(frames).__name__} of '
                f'length {len(frames) if isinstance(frames, list) else "-"}')
        num_pairs = len(frames) // self.num_frames
        vid = self._video_id(results, num_pairs)
        packed = []
        for k in range(num_pairs):
            part = slice(k * self.num_frames, (k + 1) * self.num_frames)
            sample = dict(results, pair_index=k)
            if 'gt_label' not in sample and 'label' in sample:
                sample['gt_label'] = sample['label']  # mmaction's key
            sample[self.input_key] = frames[part]
            if 'frame_inds' in results:
                sample['frame_inds'] = results['frame_inds'][part]
            packed.append(super().transform(sample))
            if vid is not None:
                packed[-1]['video_id'] = vid.clone()
        return packed

    def _video_id(self, results: dict,
                  num_pairs: int) -> Optional[torch.Tensor]:
        if not self.video_id_keys:
            return None
        source = source_of(results, self.video_id_keys)
        if source is None:
            if num_pairs > 1:
                raise ValueError(
                    f'PackFramePairs: {num_pairs} pairs of one sample but '
                    f'none of {list(self.video_id_keys)} names its source '
                    f'(keys: {sorted(results)}); set `video_id_keys` to '
                    'the key holding the video or image path')
            return None
        return torch.tensor(video_id(source), dtype=torch.int64)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_frames={self.num_frames}, '
                f'input_key={self.input_key!r}, '
                f'algorithm_keys={self.algorithm_keys}, '
                f'meta_keys={self.meta_keys}, '
                f'video_id_keys={self.video_id_keys})')
