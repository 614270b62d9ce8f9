# Copyright (c) vicmae_mm contributors. All rights reserved.
from .compile_safe_layer_decay_optim_wrapper_constructor import \
    CompileSafeLayerDecayOptimWrapperConstructor
from .compile_safe_optim_wrapper_constructor import (
    CompileSafeMixin, CompileSafeOptimWrapperConstructor)

__all__ = [
    'CompileSafeLayerDecayOptimWrapperConstructor', 'CompileSafeMixin',
    'CompileSafeOptimWrapperConstructor'
]
