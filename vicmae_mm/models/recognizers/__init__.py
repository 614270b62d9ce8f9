# Copyright (c) vicmae_mm contributors. All rights reserved.
"""mmaction2 recognizers for Kinetics fine-tuning (registered in mmaction)."""
from .layer_depth import vit_layer_depth
from .vit_recognizer2d import ViTRecognizer2D
from .vit_recognizer3d import ViTRecognizer3D

__all__ = ['ViTRecognizer2D', 'ViTRecognizer3D', 'vit_layer_depth']
