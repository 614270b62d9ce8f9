# Copyright (c) vicmae_mm contributors. All rights reserved.
from .frame_pair_data_preprocessor import FramePairDataPreprocessor

__all__ = ['FramePairDataPreprocessor']
