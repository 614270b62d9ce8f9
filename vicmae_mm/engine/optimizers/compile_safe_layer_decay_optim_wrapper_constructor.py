# Copyright (c) vicmae_mm contributors. All rights reserved.
from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS

from .compile_safe_optim_wrapper_constructor import CompileSafeMixin


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class CompileSafeLayerDecayOptimWrapperConstructor(
        CompileSafeMixin, LearningRateDecayOptimWrapperConstructor):
    """mmpretrain's layer-wise LR decay constructor, safe to compile.

    Same arguments and param groups as mmpretrain's
    ``LearningRateDecayOptimWrapperConstructor`` (``paramwise_cfg=dict(layer_decay_rate=0.65, custom_keys=...)``; the model
    must implement ``get_layer_depth``), but the groups are plain ``dict``s
    so fine-tuning configs can set ``compile=True``. See
    :class:`CompileSafeMixin`.

    Args:
        optim_wrapper_cfg (dict): The optimizer wrapper config.
        paramwise_cfg (dict, optional): Parameter-wise options, including
            ``layer_decay_rate``. Defaults to None.
    """
