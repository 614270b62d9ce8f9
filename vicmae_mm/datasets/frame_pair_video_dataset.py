# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import List

from mmaction.datasets import VideoDataset
from mmpretrain.registry import DATASETS

from .robust_mixin import RobustDatasetMixin, check_exists, validate_ann_file


@DATASETS.register_module()
class FramePairVideoDataset(RobustDatasetMixin, VideoDataset):
    """mmaction2 video list (``path [label]`` per line) for frame pairs.

    mmaction2's ``VideoDataset`` with the bad-file handling of
    :class:`RobustDatasetMixin`: a missing ``ann_file`` or video folder fails
    at start-up (``FileNotFoundError`` with the path), a line that does not
    parse fails with ``ValueError`` naming ``file:line``, and missing, empty,
    truncated or undecodable videos are logged once, counted and replaced by
    another draw. Typical pipeline: ``mmaction.DecordInit`` ->
    ``SampleFramePair`` -> ``mmaction.DecordDecode`` -> ``PerFrameAugment``
    -> ``PackFramePairs``.

    Args:
        ann_file (str): Video list, relative to ``data_root``.
        pipeline (list[dict]): Transforms.
        data_prefix (dict): ``dict(video=<folder>)``, the folder the list's
            paths are relative to. Defaults to ``dict(video='')``.
        multi_class (bool): Lines carry several labels (``path l1 l2
            ...``), checked for integers. Defaults to False.
        delimiter (str): Field separator of the list (a path with spaces
            needs another one). Defaults to ' '.
        auto_create_demo (bool | str): See :class:`RobustDatasetMixin`.
            Defaults to False.
        **kwargs: Other ``mmaction.VideoDataset`` arguments (``data_root``,
            ``num_classes``, ``test_mode``, ...).
    """

    def load_data_list(self) -> List[dict]:
        """Check the paths and every line, then load like mmaction2."""
        check_exists(self.ann_file, 'annotation file')
        if self.data_prefix.get('video'):
            check_exists(self.data_prefix['video'], 'video folder', True)
        max_fields = -1 if self.multi_class else 2
        validate_ann_file(self.ann_file, 1, max_fields,
                          lambda n: range(1, n), 'path/to/video.mp4 [label]',
                          self.delimiter if self.delimiter != ' ' else None)
        return super().load_data_list()

    def sample_path(self, data_info: dict) -> str:
        """The video file."""
        return data_info['filename']
