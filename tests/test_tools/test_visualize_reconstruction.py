# Copyright (c) vicmae_mm contributors. All rights reserved.
"""visualize_reconstruction.py and ReconstructionVisHook on a tiny model."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmpretrain.registry import HOOKS, MODELS
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.engine.hooks.reconstruction_vis_hook import (
    reconstruct_frames, render_reconstruction)

register_all_modules(init_default_scope=True)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools/visualization/visualize_reconstruction.py')
TINY_CFG = f'''
_base_ = [{osp.join(ROOT, "configs/_base_/models/vicmae_vit-base-p16.py")!r}]
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, num_layers=2,
                            num_heads=2, feedforward_channels=64),
                  img_size=32, patch_size=8),
    recon_head=dict(patch_size=8, decoder=dict(
        num_patches=16, patch_size=8, embed_dim=32, decoder_embed_dim=16,
        decoder_depth=1, decoder_num_heads=2)),
    contrast_head=dict(projector=dict(in_channels=32, hid_channels=32,
                                      out_channels=8)))
'''


def _load_tool():
    spec = importlib.util.spec_from_file_location('visualize_recon', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('vis')
    cfg = root / 'tiny.py'
    cfg.write_text(TINY_CFG)
    video = str(root / 'clip.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (64, 48))
    rng = np.random.RandomState(0)
    for t in range(20):
        frame = np.full((48, 64, 3), 10 * t, np.uint8)
        frame[:, :32] = rng.randint(0, 255, (48, 32, 3))
        writer.write(frame)
    writer.release()
    image = str(root / 'img.png')
    cv2.imwrite(image, rng.randint(0, 255, (50, 60, 3), dtype=np.uint8))
    return root, str(cfg), video, image


def _tiny_model(cfg_path):
    model = revert_sync_batchnorm(MODELS.build(Config.fromfile(
        cfg_path).model))
    model.init_weights()
    return model


def test_tool_video_png_size(setup, tmp_path):
    root, cfg, video, _ = setup
    model = _tiny_model(cfg)
    ckpt = str(tmp_path / 'ckpt.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    out = str(tmp_path / 'sub' / 'recon.png')
    _load_tool().main([cfg, ckpt, '--video', video, '--out', out,
                       '--min-gap', '3', '--max-gap', '6', '--dpi', '50'])
    img = cv2.imread(out)
    # 2 rows x 3 columns of 2.4 in + 0.5 in title, at 50 dpi
    assert img.shape == (round(50 * (0.5 + 2 * 2.4)), round(50 * 7.2), 3)
    assert img.std() > 10  # not blank


def test_tool_image_and_frame_inds(setup, tmp_path):
    _, cfg, video, image = setup
    tool = _load_tool()
    out = str(tmp_path / 'img.png')
    tool.main([cfg, 'none', '--image', image, '--out', out, '--dpi', '40'])
    assert cv2.imread(out).shape == (212, 288, 3)
    with pytest.raises(ValueError, match='frame-inds'):
        tool.main([cfg, 'none', '--video', video, '--out', out,
                   '--frame-inds', '0', '99'])


def test_reconstruct_frames_layout(setup):
    _, cfg, _, _ = setup
    model = _tiny_model(cfg)
    torch.manual_seed(0)
    frame = (torch.rand(1, 3, 32, 32) - 0.5) * 2
    (row, ) = reconstruct_frames(model, [frame])
    assert row['original'].shape == row['recon'].shape == (32, 32, 3)
    assert np.isfinite(row['loss']) and row['loss'] > 0
    # half of the 16 patches are removed: grey there, input elsewhere
    masked = row['masked'].reshape(4, 8, 4, 8, 3).transpose(0, 2, 1, 3, 4)
    grey = (np.abs(masked.astype(int) - 128) <= 1).all(axis=(2, 3, 4))
    assert grey.sum() == 8
    orig = row['original'].reshape(4, 8, 4, 8, 3).transpose(0, 2, 1, 3, 4)
    recon = row['recon'].reshape(4, 8, 4, 8, 3).transpose(0, 2, 1, 3, 4)
    assert (recon[~grey] == orig[~grey]).all()  # visible patches pasted
    assert model.training  # mode restored
    pic = render_reconstruction([row, row], [3, 9], dpi=30)
    assert pic.shape == (round(30 * 5.3), round(30 * 7.2), 3)


def test_hook_writes_image(setup, tmp_path):
    from unittest.mock import MagicMock

    from mmpretrain.structures import DataSample
    _, cfg, _, _ = setup
    model = _tiny_model(cfg)
    hook = HOOKS.build(dict(type='ReconstructionVisHook', interval=2,
                            dpi=30))
    runner = MagicMock()
    runner.model = model
    sample = DataSample(metainfo=dict(frame_inds=np.array([4, 11])))
    batch = dict(inputs=[torch.randint(0, 255, (2, 3, 32, 32),
                                       dtype=torch.uint8)] * 2,
                 data_samples=[sample, sample])
    rng = torch.get_rng_state()
    for it in range(4):
        runner.iter = it
        hook.after_train_iter(runner, it, batch)
    assert torch.equal(rng, torch.get_rng_state())  # training RNG untouched
    calls = runner.visualizer.add_image.call_args_list
    assert [c.kwargs['step'] for c in calls] == [2, 4]
    name, image = calls[0].args
    assert name == 'reconstruction' and image.dtype == np.uint8
    assert image.shape == (round(30 * 5.3), round(30 * 7.2), 3)
    with pytest.raises(ValueError, match='interval'):
        HOOKS.build(dict(type='ReconstructionVisHook', interval=0))
