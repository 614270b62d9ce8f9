# Copyright (c) vicmae_mm contributors. All rights reserved.
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from ...utils.checks import check_at_least


@TRANSFORMS.register_module()
class ImageToFrames(BaseTransform):
    """Turn one image into T identical "frames" (views), optionally to RGB.

    Lets an image dataset feed the frame-pair pipeline: the T copies are
    then augmented independently by ``PerFrameAugment``. Images loaded by
    cv2 (``LoadImageFromFile``) are BGR; ``to_rgb=True`` converts them so
    image and video samples share one data preprocessor (``to_rgb=False``).

    Required Keys:

    - img (HWC uint8 array)

    Added Keys:

    - imgs (list of T HWC arrays)
    - frame_inds (np.ndarray of T zeros)

    Args:
        num_frames (int): Number of copies T (2K for K pairs per image).
            Defaults to 2.
        to_rgb (bool): Reverse the channel order (BGR -> RGB).
            Defaults to True.
    """

    def __init__(self, num_frames: int = 2, to_rgb: bool = True) -> None:
        self.to_rgb = to_rgb
        self.num_frames = check_at_least('ImageToFrames', 'num_frames',
                                         num_frames, 1)

    def transform(self, results: dict) -> dict:
        """Replicate ``img`` into ``imgs``."""
        img = results['img']
        if self.to_rgb:
            img = np.ascontiguousarray(img[..., ::-1])
        results['imgs'] = [img] * self.num_frames
        results['frame_inds'] = np.zeros(self.num_frames, dtype=int)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_frames={self.num_frames}, '
                f'to_rgb={self.to_rgb})')
