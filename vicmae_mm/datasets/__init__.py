# Copyright (c) vicmae_mm contributors. All rights reserved.
from .decode_errors import CorruptSampleError, is_decode_error
from .demo import ensure_demo_dataset, make_demo_dataset
from .digit_videos import ensure_digit_videos, make_digit_videos
from .frame_pair_rawframe_dataset import FramePairRawframeDataset
from .frame_pair_shard_dataset import FramePairShardDataset
from .frame_pair_video_dataset import FramePairVideoDataset
from .image_pair_dataset import ImagePairDataset
from .repeat_default_collate import repeat_default_collate
from .robust_mixin import (BAD_REASONS, FALLBACK_REASONS, NoUsableSampleError,
                           RobustDatasetMixin)
from .samplers import ShardAwareSampler
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transforms_all

__all__ = [
    'BAD_REASONS', 'CorruptSampleError', 'FALLBACK_REASONS',
    'FramePairRawframeDataset', 'FramePairShardDataset',
    'FramePairVideoDataset', 'ImagePairDataset', 'NoUsableSampleError',
    'RobustDatasetMixin', 'ShardAwareSampler', 'ensure_demo_dataset',
    'ensure_digit_videos', 'is_decode_error', 'make_demo_dataset',
    'make_digit_videos', 'repeat_default_collate'
] + list(_transforms_all)
