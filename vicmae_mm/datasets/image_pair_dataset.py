# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import List

from mmpretrain.datasets import CustomDataset
from mmpretrain.registry import DATASETS

from .robust_mixin import RobustDatasetMixin, check_exists, validate_ann_file


@DATASETS.register_module()
class ImagePairDataset(RobustDatasetMixin, CustomDataset):
    """Image folder or image list where one image gives T augmented views.

    mmpretrain's ``CustomDataset`` (``<data_prefix>/<class>/<img>`` folders,
    or an ``ann_file`` of ``path label`` lines) with the checks and
    bad-file handling of :class:`RobustDatasetMixin`. Typical pipeline:
    ``LoadImageFromFile`` -> ``ImageToFrames(num_frames=2, to_rgb=True)``
    -> ``PerFrameAugment`` -> ``PackFramePairs``.

    Args:
        data_root (str): Root folder. Defaults to ''.
        data_prefix (str | dict): Image folder under ``data_root``.
            Defaults to ''.
        ann_file (str): Optional image list. Defaults to '' (scan folders).
        auto_create_demo (bool): See :class:`RobustDatasetMixin`.
            Defaults to False.
        **kwargs: Other ``mmpretrain.CustomDataset`` arguments.
    """

    def load_data_list(self) -> List[dict]:
        """Check the paths (and list lines), then load like mmpretrain."""
        if self.img_prefix:
            check_exists(self.img_prefix, 'image folder', True)
        if self.ann_file:
            check_exists(self.ann_file, 'annotation file')
            if self.with_label:
                validate_ann_file(self.ann_file, 2, 2, lambda n: [1],
                                  'path/to/image.jpg label')
        return super().load_data_list()

    def sample_path(self, data_info: dict) -> str:
        """The image file."""
        return data_info['img_path']
