# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The tiny ViC-MAE checkpoint every converter test converts."""
import pytest
import torch
from converter_setup import tiny_vicmae


@pytest.fixture(scope='session')
def source(tmp_path_factory):
    """(tiny ViCMAE in eval mode, path of its runner-style checkpoint)."""
    model = tiny_vicmae()
    path = str(tmp_path_factory.mktemp('ckpt') / 'vicmae.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), path)
    return model, path
