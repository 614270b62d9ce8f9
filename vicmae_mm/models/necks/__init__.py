# Copyright (c) vicmae_mm contributors. All rights reserved.
from .token_pool_neck import TokenPoolNeck

__all__ = ['TokenPoolNeck']
