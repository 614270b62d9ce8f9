# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Weight conversion between ViC-MAE, mmpretrain, mmaction2 and the authors'
checkpoints (the logic behind ``tools/model_converters/``)."""
from .official import official_to_vicmae, vicmae_to_official
from .report import (format_report, iter_tensors, summarize_keys,
                     summarize_renames)
from .state_dict import (ARCH_SPECS, StateDict, check_arch, describe_vit,
                         encoder_state_dict, left_out_counts,
                         load_state_dict_file, resize_encoder_pos_embed,
                         save_converted, select_prefix, unwrap_state_dict)
from .target import (build_config_backbone, check_loadable, convert_file,
                     convert_for_config, target_layout)
from .to_mmaction import mmpretrain_vit_to_mmaction_vit, vicmae_to_mmaction
from .to_mmpretrain import FINAL_NORMS, vicmae_to_mmpretrain

__all__ = [
    'ARCH_SPECS', 'StateDict', 'check_arch', 'describe_vit',
    'encoder_state_dict', 'left_out_counts', 'load_state_dict_file',
    'resize_encoder_pos_embed', 'save_converted', 'select_prefix',
    'unwrap_state_dict', 'official_to_vicmae', 'vicmae_to_official',
    'format_report', 'iter_tensors', 'summarize_keys', 'summarize_renames',
    'build_config_backbone', 'check_loadable', 'convert_file',
    'convert_for_config',
    'target_layout', 'mmpretrain_vit_to_mmaction_vit', 'vicmae_to_mmaction',
    'FINAL_NORMS', 'vicmae_to_mmpretrain'
]
