# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Layer depth of recognizer parameters for layer-wise lr decay."""
import re
from typing import Tuple

from torch import nn


def vit_layer_depth(backbone: nn.Module, param_name: str,
                    prefix: str = 'backbone.') -> Tuple[int, int]:
    """Layer depth of a parameter, as mmpretrain's ViT defines it.

    Depth 0 is the stem (``cls_token``, ``pos_embed``, ``patch_embed``),
    block ``i`` is ``i + 1`` and everything else (final norms, the head) is
    ``num_layers + 1``; the maximum is ``num_layers + 2``. mmpretrain ViTs
    (``layers.i``) answer through their own ``get_layer_depth``; mmaction's
    VideoMAE-style ViT (``blocks.i``) is handled here.

    Args:
        backbone (nn.Module): The recognizer's backbone.
        param_name (str): Full parameter name.
        prefix (str): The backbone prefix. Defaults to 'backbone.'.

    Returns:
        tuple[int, int]: The depth and the number of depths.
    """
    if hasattr(backbone, 'get_layer_depth'):
        return backbone.get_layer_depth(param_name, prefix)
    if not hasattr(backbone, 'blocks'):
        raise NotImplementedError(
            f'{type(backbone).__name__} has neither get_layer_depth nor '
            '`blocks`; layer-wise lr decay is not supported for it')
    num_layers = len(backbone.blocks) + 2
    if not param_name.startswith(prefix):
        return num_layers - 1, num_layers
    name = param_name[len(prefix):]
    if name.startswith(('pos_embed', 'patch_embed', 'cls_token')):
        return 0, num_layers
    m = re.match(r'blocks\.(\d+)\.', name)
    if m:
        return int(m.group(1)) + 1, num_layers
    return num_layers - 1, num_layers


class ViTLayerDepthMixin:
    """Adds ``get_layer_depth`` to an mmaction recognizer with a ViT.

    mmpretrain's ``LearningRateDecayOptimWrapperConstructor`` asks the model
    for each parameter's depth; mmaction's recognizers do not answer.
    """

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """Depth of ``param_name`` and the number of depths.

        Args:
            param_name (str): Full parameter name.

        Returns:
            tuple[int, int]: The depth (0 = stem) and the number of depths.
        """
        return vit_layer_depth(self.backbone, param_name)
