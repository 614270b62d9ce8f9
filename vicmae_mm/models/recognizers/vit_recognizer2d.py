# Copyright (c) vicmae_mm contributors. All rights reserved.
from mmaction.models import Recognizer2D
from mmaction.registry import MODELS

from .layer_depth import ViTLayerDepthMixin


@MODELS.register_module()
class ViTRecognizer2D(ViTLayerDepthMixin, Recognizer2D):
    """``Recognizer2D`` that tells the optimizer each parameter's depth.

    Identical to mmaction's ``Recognizer2D`` (e.g. with
    ``backbone=dict(type='mmpretrain.VisionTransformer', ...)`` applied per
    frame and a ``TSNHead`` averaging over time) plus ``get_layer_depth``,
    which mmpretrain's ``LearningRateDecayOptimWrapperConstructor`` needs
    for layer-wise lr decay. mmaction's own decay constructor only knows
    ``backbone.blocks.N`` names and gives every ``layers.N`` full lr.

    Example:
        >>> from mmaction.registry import MODELS
        >>> import vicmae_mm  # noqa: F401
        >>> from mmengine.registry import init_default_scope
        >>> init_default_scope('mmaction')
        >>> model = MODELS.build(dict(
        ...     type='ViTRecognizer2D',
        ...     backbone=dict(type='mmpretrain.VisionTransformer',
        ...         arch=dict(embed_dims=32, num_layers=2, num_heads=2,
        ...                   feedforward_channels=64),
        ...         img_size=32, patch_size=8),
        ...     cls_head=dict(type='TSNHead', num_classes=4, in_channels=32,
        ...                   spatial_type=None)))
        >>> model.get_layer_depth('backbone.layers.1.attn.qkv.weight')
        (2, 4)
    """
