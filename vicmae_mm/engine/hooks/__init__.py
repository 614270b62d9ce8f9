# Copyright (c) vicmae_mm contributors. All rights reserved.
from .bad_sample_counter_hook import BadSampleCounterHook
from .contrast_weight_hook import ContrastWeightHook

__all__ = ['BadSampleCounterHook', 'ContrastWeightHook']
