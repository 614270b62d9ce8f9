# Copyright (c) vicmae_mm contributors. All rights reserved.
from .frame_contrast_head import FrameContrastHead
from .mae_recon_head import MAEReconHead

__all__ = ['FrameContrastHead', 'MAEReconHead']
