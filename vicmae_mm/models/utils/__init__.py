# Copyright (c) vicmae_mm contributors. All rights reserved.
from .frames import frame_dims
from .gather import AllGatherWithGrad, gather_with_grad

__all__ = ['AllGatherWithGrad', 'frame_dims', 'gather_with_grad']
