# Copyright (c) vicmae_mm contributors. All rights reserved.
from mmaction.models import Recognizer3D
from mmaction.registry import MODELS

from .layer_depth import ViTLayerDepthMixin


@MODELS.register_module()
class ViTRecognizer3D(ViTLayerDepthMixin, Recognizer3D):
    """``Recognizer3D`` that tells the optimizer each parameter's depth.

    For the space-time route: mmaction's VideoMAE-style
    ``VisionTransformer`` (``blocks.N``) over all frames' tokens. With
    ``get_layer_depth`` the same mmpretrain
    ``LearningRateDecayOptimWrapperConstructor`` (and the same 0.65^k
    multipliers) serves both Kinetics routes and the image fine-tune.

    Example:
        >>> from mmengine.registry import init_default_scope
        >>> init_default_scope('mmaction')  # mmaction's ViT and head
        >>> model = ViTRecognizer3D(
        ...     backbone=dict(type='VisionTransformer', img_size=32,
        ...         patch_size=8, embed_dims=32, depth=2, num_heads=2,
        ...         num_frames=2, tubelet_size=1),
        ...     cls_head=dict(type='TimeSformerHead', num_classes=4,
        ...                   in_channels=32))
        >>> model.get_layer_depth('backbone.blocks.0.attn.qkv.weight')
        (1, 4)
    """
