# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Weight conversion between ViC-MAE, mmpretrain, mmaction2 and the authors'
checkpoints (the logic behind ``tools/model_converters/``)."""
from .official import official_to_vicmae, vicmae_to_official
from .state_dict import (ARCH_SPECS, StateDict, check_arch, describe_vit,
                         encoder_state_dict, load_state_dict_file,
                         resize_encoder_pos_embed, save_converted,
                         select_prefix, unwrap_state_dict)
from .to_mmaction import mmpretrain_vit_to_mmaction_vit, vicmae_to_mmaction
from .to_mmpretrain import vicmae_to_mmpretrain

__all__ = [
    'ARCH_SPECS', 'StateDict', 'check_arch', 'describe_vit',
    'encoder_state_dict', 'load_state_dict_file', 'resize_encoder_pos_embed',
    'save_converted', 'select_prefix', 'unwrap_state_dict',
    'official_to_vicmae', 'vicmae_to_official',
    'mmpretrain_vit_to_mmaction_vit', 'vicmae_to_mmaction',
    'vicmae_to_mmpretrain'
]
