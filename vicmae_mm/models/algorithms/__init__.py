# Copyright (c) vicmae_mm contributors. All rights reserved.
from .vicmae import ViCMAE, split_frames

__all__ = ['ViCMAE', 'split_frames']
