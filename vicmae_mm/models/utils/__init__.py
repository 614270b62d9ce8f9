# Copyright (c) vicmae_mm contributors. All rights reserved.
from .gather import AllGatherWithGrad, gather_with_grad

__all__ = ['AllGatherWithGrad', 'gather_with_grad']
