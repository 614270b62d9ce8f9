# Copyright (c) vicmae_mm contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def test_modes():
    tokens = torch.randn(2, 5, 4)
    mean = MODELS.build(dict(type='TokenPoolNeck'))((tokens, ))
    assert isinstance(mean, tuple) and mean[0].shape == (2, 4)
    torch.testing.assert_close(mean[0], tokens[:, 1:].mean(1))
    mx = MODELS.build(dict(type='TokenPoolNeck', mode='max'))((tokens, ))
    torch.testing.assert_close(mx[0], tokens[:, 1:].max(1).values)
    cls = MODELS.build(dict(type='TokenPoolNeck', mode='cls'))((tokens, ))
    torch.testing.assert_close(cls[0], tokens[:, 0])


def test_cls_excluded_from_mean():
    tokens = torch.zeros(1, 3, 2)
    tokens[:, 0] = 100.  # CLS must not leak into the mean
    out = MODELS.build(dict(type='TokenPoolNeck'))((tokens, ))[0]
    assert torch.all(out == 0)


def test_unknown_mode():
    with pytest.raises(ValueError, match="unknown pooling mode 'avg'"):
        MODELS.build(dict(type='TokenPoolNeck', mode='avg'))
