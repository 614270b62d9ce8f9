# Copyright (c) vicmae_mm contributors. All rights reserved.
from .vicmae_vit import VicMAEViT

__all__ = ['VicMAEViT']
