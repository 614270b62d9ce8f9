# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Quick evaluation of frozen features (k-NN and linear probes)."""
from .feature_probe import (extract_features, knn_top1, logreg_top1,
                            probe_features, probe_image_folder)

__all__ = [
    'extract_features', 'knn_top1', 'logreg_top1', 'probe_features',
    'probe_image_folder'
]
