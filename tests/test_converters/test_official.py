# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The authors' checkpoint layout (timm keys) <-> vicmae_mm, both ways."""
import torch
from converter_setup import (missing_unexpected, official_state_dict,
                             tiny_vicmae)

from vicmae_mm.converters import official_to_vicmae, vicmae_to_official


def test_official_round_trip(tmp_path):
    official = official_state_dict()
    converted, unknown, missing = official_to_vicmae(official)
    assert unknown == [] and missing == []
    model = tiny_vicmae()
    assert missing_unexpected(model, converted) == ([], [])
    back, unknown, missing = vicmae_to_official(converted)
    assert unknown == [] and missing == []
    assert sorted(back) == sorted(official)
    for k, v in official.items():
        assert torch.equal(back[k], v), k
    # unknown and missing keys are reported, not dropped silently
    broken = dict(official, **{'head.weight': torch.zeros(1)})
    del broken['blocks.1.mlp.fc2.bias']
    _, unknown, missing = official_to_vicmae(broken)
    assert unknown == ['head.weight']
    assert missing == ['blocks.1.mlp.fc2.bias']
