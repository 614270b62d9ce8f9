# Copyright (c) vicmae_mm contributors. All rights reserved.
from .exact_video_decode import ExactVideoDecode
from .exact_video_init import ExactVideoInit
from .image_to_frames import ImageToFrames
from .load_shard_frame_pair import LoadShardFramePair
from .pack_frame_pairs import PackFramePairs
from .per_frame_augment import PerFrameAugment
from .sample_frame_pair import SampleFramePair, sample_frame_indices
from .sorted_decord_decode import SortedDecordDecode

__all__ = [
    'ExactVideoDecode', 'ExactVideoInit', 'ImageToFrames',
    'LoadShardFramePair', 'PackFramePairs', 'PerFrameAugment',
    'SampleFramePair', 'SortedDecordDecode', 'sample_frame_indices'
]
