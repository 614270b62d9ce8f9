# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import List

from mmaction.datasets import RawframeDataset
from mmpretrain.registry import DATASETS

from .robust_mixin import RobustDatasetMixin, check_exists, validate_ann_file


@DATASETS.register_module()
class FramePairRawframeDataset(RobustDatasetMixin, RawframeDataset):
    """Raw-frame list (``frame_dir total_frames [label]``) for frame pairs.

    mmaction2's ``RawframeDataset`` (frames ``img_00001.jpg`` ... by
    default, ``start_index=1``) with the checks and bad-file handling of
    :class:`RobustDatasetMixin`; an empty or missing frame folder and frames
    that do not decode are logged once, counted and skipped. Write such
    lists with ``tools/data/extract_frames.py``. Typical pipeline:
    ``SampleFramePair`` -> ``mmaction.RawFrameDecode`` ->
    ``PerFrameAugment`` -> ``PackFramePairs``.

    Args:
        ann_file (str): Frame list, relative to ``data_root``.
        pipeline (list[dict]): Transforms.
        data_prefix (dict): ``dict(img=<folder>)``, the folder holding the
            ``frame_dir`` folders. Defaults to ``dict(img='')``.
        filename_tmpl (str): Frame file names. Defaults to
            ``'img_{:05}.jpg'``.
        start_index (int): Number of the first frame file; added to the
            0-based ``frame_inds`` of ``SampleFramePair``. Defaults to 1.
        with_offset (bool): Lines are ``frame_dir offset total_frames
            [label]``. Defaults to False.
        auto_create_demo (bool | str): See :class:`RobustDatasetMixin`.
            Defaults to False.
        **kwargs: Other ``mmaction.RawframeDataset`` arguments.
    """

    def load_data_list(self) -> List[dict]:
        """Check the paths and every line, then load like mmaction2."""
        check_exists(self.ann_file, 'annotation file')
        if self.data_prefix.get('img'):
            check_exists(self.data_prefix['img'], 'frame folder', True)
        first = 3 if self.with_offset else 2
        validate_ann_file(self.ann_file, first, -1, lambda n: range(1, n),
                          'frame_dir [offset] total_frames [label]')
        return super().load_data_list()

    def sample_path(self, data_info: dict) -> str:
        """The frame folder."""
        return data_info['frame_dir']
