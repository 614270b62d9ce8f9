# Copyright (c) vicmae_mm contributors. All rights reserved.
from .shard_aware_sampler import ShardAwareSampler

__all__ = ['ShardAwareSampler']
