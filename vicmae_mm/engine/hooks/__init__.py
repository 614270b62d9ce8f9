# Copyright (c) vicmae_mm contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .bad_sample_counter_hook import BadSampleCounterHook
from .contrast_weight_hook import ContrastWeightHook
from .iter_seed_hook import IterSeedHook
from .reconstruction_vis_hook import ReconstructionVisHook
from .throughput_hook import ThroughputHook
from .video_visualization_hook import VideoVisualizationHook

__all__ = [
    'AtomicCheckpointHook', 'BadSampleCounterHook', 'ContrastWeightHook',
    'IterSeedHook', 'ReconstructionVisHook', 'ThroughputHook',
    'VideoVisualizationHook'
]
