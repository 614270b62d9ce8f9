# Copyright (c) vicmae_mm contributors. All rights reserved.
from .contrast_weight_hook import ContrastWeightHook

__all__ = ['ContrastWeightHook']
