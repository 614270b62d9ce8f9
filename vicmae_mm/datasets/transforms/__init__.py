# Copyright (c) vicmae_mm contributors. All rights reserved.
from .image_to_frames import ImageToFrames
from .pack_frame_pairs import PackFramePairs
from .per_frame_augment import PerFrameAugment
from .sample_frame_pair import SampleFramePair, sample_frame_indices
from .sorted_decord_decode import SortedDecordDecode

__all__ = [
    'ImageToFrames', 'PackFramePairs', 'PerFrameAugment', 'SampleFramePair',
    'SortedDecordDecode', 'sample_frame_indices'
]
