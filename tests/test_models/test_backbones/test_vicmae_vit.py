# Copyright (c) vicmae_mm contributors. All rights reserved.
import pytest
import torch
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.models.backbones import VicMAEViT

register_all_modules(init_default_scope=True)

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def _vit(**kw):
    vit = VicMAEViT(arch=ARCH, img_size=32, patch_size=8, **kw)
    vit.init_weights()
    return vit


def test_masked_path_shapes_and_mask():
    vit = _vit()
    assert vit.mask_ratio == 0.5  # ViC-MAE default
    torch.manual_seed(0)
    latent, mask, ids_restore = vit(torch.rand(3, 3, 32, 32))
    assert latent.shape == (3, 1 + 8, 32)
    assert mask.shape == (3, 16) and ids_restore.shape == (3, 16)
    assert torch.all(mask.sum(1) == 8)  # 1 = removed
    # two calls draw independent masks (one per frame)
    _, mask2, _ = vit(torch.rand(3, 3, 32, 32))
    assert not torch.equal(mask, mask2)


def test_mask_false_does_not_mask():
    vit = _vit().eval()
    x = torch.rand(2, 3, 32, 32)
    out_false = vit(x, mask=False)
    out_none = vit(x, mask=None)
    assert isinstance(out_false, tuple) and len(out_false) == 1
    assert out_false[0].shape == (2, 17, 32)
    torch.testing.assert_close(out_false[0], out_none[0])


def test_state_dict_loads_into_vision_transformer_same_features():
    vit = _vit().eval()
    ref = VisionTransformer(
        arch=ARCH, img_size=32, patch_size=8, out_type='raw',
        norm_cfg=dict(type='LN', eps=1e-6))
    ref.eval()
    result = ref.load_state_dict(vit.state_dict(), strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert set(vit.state_dict()) == set(ref.state_dict())
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(vit(x, mask=None)[0], ref(x)[0])


@pytest.mark.parametrize('ratio', [0.0, 1.0, -0.1, 1.5])
def test_bad_mask_ratio(ratio):
    with pytest.raises(ValueError, match='mask_ratio'):
        _vit(mask_ratio=ratio)


def test_wrong_input_size():
    with pytest.raises(ValueError, match='img_size'):
        _vit()(torch.rand(1, 3, 48, 48))


def test_layer_depth():
    vit = _vit()
    assert vit.get_layer_depth('layers.1.ln1.weight') == (2, 4)
