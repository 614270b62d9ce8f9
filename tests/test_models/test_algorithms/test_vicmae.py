# Copyright (c) vicmae_mm contributors. All rights reserved.
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def _build(cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _batch(B=4, T=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    frames = [torch.rand(B, 3, 32, 32, generator=g) * 255 for _ in range(T)]
    return dict(inputs=frames, data_samples=[DataSample() for _ in range(B)])


def test_state_dict_layout(tiny_cfg):
    keys = set(_build(tiny_cfg()).state_dict())
    assert 'backbone.layers.1.ffn.layers.1.weight' in keys
    assert 'backbone.ln1.weight' in keys
    assert 'recon_head.decoder.mask_token' in keys
    assert 'recon_head.decoder.decoder_pred.weight' in keys
    assert 'contrast_head.projector.fc2.weight' in keys
    assert 'contrast_head.projector.bn1.running_mean' in keys
    prefixes = {k.split('.')[0] for k in keys}
    assert prefixes == {'backbone', 'recon_head', 'contrast_head'}


@pytest.mark.parametrize('loss', ['InfoNCELoss', 'SimSiamLoss', 'VICRegLoss'])
def test_train_step_overfits(tiny_cfg, loss):
    torch.manual_seed(0)
    model = _build(tiny_cfg(loss=loss, contrast_weight=0.5))
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=2e-3))
    data = _batch()
    logs = []
    for _ in range(8):
        torch.manual_seed(1)  # same masks every step: a fixed problem
        logs.append(model.train_step(data, optim))
    first, last = logs[0], logs[-1]
    assert set(first) == {'loss', 'loss_recon', 'loss_contrast', 'raw_recon',
                          'raw_contrast', 'contrast_weight'}
    torch.testing.assert_close(first['loss'],
                               first['loss_recon'] + first['loss_contrast'])
    torch.testing.assert_close(first['loss_recon'],
                               0.97 * first['raw_recon'])
    torch.testing.assert_close(first['loss_contrast'],
                               0.5 * first['raw_contrast'])
    assert float(first['contrast_weight']) == 0.5
    assert float(last['loss']) < float(first['loss'])
    assert float(last['raw_contrast']) < float(first['raw_contrast'])
    assert float(last['raw_recon']) < float(first['raw_recon'])


def test_stacked_tensor_input_equals_list(tiny_cfg):
    model = _build(tiny_cfg(loss='InfoNCELoss'))
    frames = [torch.randn(3, 3, 32, 32) for _ in range(3)]  # T = 3
    torch.manual_seed(0)
    a = model(frames, mode='loss')
    torch.manual_seed(0)
    b = model(torch.stack(frames, dim=1), mode='loss')
    for k in a:
        torch.testing.assert_close(a[k], b[k])


def test_frames_of_unequal_size(tiny_cfg):
    model = _build(tiny_cfg())
    frames = [torch.randn(2, 3, 32, 32), torch.randn(2, 3, 24, 32)]
    with pytest.raises(ValueError, match=r'\(2, 3, 24, 32\)'):
        model(frames, mode='loss')
    with pytest.raises(ValueError, match='T >= 2'):
        model([frames[0]], mode='loss')


def test_extract_feat_unmasked_mean(tiny_cfg):
    model = _build(tiny_cfg())
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    feats = model(x, mode='tensor')
    assert isinstance(feats, tuple) and feats[0].shape == (2, 32)
    tokens = model.backbone(x, mask=None)[0]  # (2, 17, 32), all patches
    torch.testing.assert_close(feats[0], tokens[:, 1:].mean(1))
    with pytest.raises(ValueError, match='extract_feat'):
        model.extract_feat([x, x])


def test_pooling_modes_build(tiny_cfg):
    for mode in ('max', 'cls'):
        model = _build(tiny_cfg(mode=mode))
        assert torch.isfinite(model(_batch(B=2)['inputs'],
                                    mode='loss')['loss_contrast'])
    with pytest.raises(ValueError, match='pooling mode'):
        MODELS.build(tiny_cfg(mode='gem'))


def test_layer_depth(tiny_cfg):
    model = _build(tiny_cfg())
    assert model.get_layer_depth('backbone.layers.0.ln1.weight') == (1, 4)
    assert model.get_layer_depth('recon_head.decoder.ln1.weight') == (3, 4)
