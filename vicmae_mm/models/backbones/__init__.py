# Copyright (c) vicmae_mm contributors. All rights reserved.
from .cls_token_video_vit import ClsTokenVideoViT
from .vicmae_vit import VicMAEViT

__all__ = ['ClsTokenVideoViT', 'VicMAEViT']
