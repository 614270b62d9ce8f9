# Copyright (c) vicmae_mm contributors. All rights reserved.
"""tools/test.py: each flag of mmpretrain's tools/test.py (and mmaction2's
``--dump``) on the tiny fine-tune demo configs, on CPU.

The checkpoints are tiny demo models with random weights (so scores differ
between images and flips); the test data are 6 images with unique names in
2 classes and 2 synthetic videos written here. One run goes through a
subprocess and one through ``tools/dist_test.sh`` (2 processes, gloo); the
others call the tool's ``main`` in this process, each with its own
``experiment_name`` (mmengine keeps one logger and visualizer per name).
"""
import importlib.util
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from tool_runs import PYTHON, REPO, free_port, run_tool, tool_env

IMG_CFG = 'configs/finetune/demo/vicmae_vit-tiny-p8_ld065_demo-images.py'
VID_CFG = ('configs/finetune/demo/'
           'vicmae_vit-tiny-p8_frames-4x2x1_demo-videos.py')
NAMES = [f's{i}' for i in range(6)]  # s0-s2 class c0, s3-s5 class c1

spec = importlib.util.spec_from_file_location('vicmae_test_tool',
                                              osp.join(REPO, 'tools/test.py'))
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def _random_checkpoint(cfg_path, out):
    cfg = Config.fromfile(osp.join(REPO, cfg_path))
    init_default_scope(cfg.default_scope)
    if cfg.default_scope == 'mmaction':
        from mmaction.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    torch.manual_seed(0)
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.3)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), out)
    init_default_scope('mmpretrain')
    return out


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('test_tool')
    rng = np.random.default_rng(0)
    for i, name in enumerate(NAMES):
        folder = tmp / 'images' / 'val' / f'c{i // 3}'
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(
            str(folder / f'{name}.png'),
            rng.integers(0, 255, (40, 48, 3), dtype=np.uint8))
    for name in ('a', 'b'):
        writer = cv2.VideoWriter(
            str(tmp / f'{name}.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 10,
            (64, 48))
        for _ in range(20):
            writer.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
        writer.release()
    (tmp / 'videos.txt').write_text('a.mp4 0\nb.mp4 1\n')
    return dict(
        tmp=tmp,
        image_ckpt=_random_checkpoint(IMG_CFG, str(tmp / 'image.pth')),
        video_ckpt=_random_checkpoint(VID_CFG, str(tmp / 'video.pth')),
        image_data=[f'test_dataloader.dataset.data_root={tmp}/images'],
        video_data=[
            f'test_dataloader.dataset.ann_file={tmp}/videos.txt',
            f'test_dataloader.dataset.data_prefix.video={tmp}'
        ])


def _main(monkeypatch, assets, cfg, flags=''):
    """Run tools/test.py's main here on the test data, with a fresh work dir
    and experiment name; ``flags`` is a command-line string."""
    name = f'exp{len(_main.names)}'
    _main.names.append(name)
    video = cfg == VID_CFG
    data = assets['video_data' if video else 'image_data']
    argv = [
        'test.py', cfg, assets['video_ckpt' if video else 'image_ckpt'],
        '--work-dir',
        str(assets['tmp'] / name), *flags.split(), '--cfg-options',
        f'experiment_name={name}', *(data if 'demo' in cfg else [])
    ]
    monkeypatch.setattr(sys, 'argv', argv)
    monkeypatch.chdir(REPO)
    tool.main()


_main.names = []


def _load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


@pytest.mark.slow
def test_subprocess_out_show_dir_interval_work_dir(assets):
    tmp = assets['tmp']
    proc = run_tool([
        PYTHON, 'tools/test.py', IMG_CFG, assets['image_ckpt'], '--work-dir',
        str(tmp / 'work'), '--out',
        str(tmp / 'preds.pkl'), '--show-dir',
        str(tmp / 'vis'), '--interval', '2', '--no-pin-memory',
        '--cfg-options', *assets['image_data']
    ], str(tmp))
    assert proc.returncode == 0, proc.stderr[-3000:]
    preds = _load(tmp / 'preds.pkl')
    assert [osp.basename(p['img_path'])
            for p in preds] == [f'{n}.png' for n in NAMES]
    # every 2nd test sample drawn into --show-dir
    assert sorted(p.name for p in (tmp / 'vis').iterdir()) == [
        's0.png_0.png', 's2.png_0.png', 's4.png_0.png'
    ]
    assert 'accuracy/top1' in proc.stdout + proc.stderr
    assert (tmp / 'work' / osp.basename(IMG_CFG)).is_file()


@pytest.mark.slow
def test_out_item_metrics(assets, monkeypatch):
    out = assets['tmp'] / 'metrics.pkl'
    _main(monkeypatch, assets, IMG_CFG, f'--out {out} --out-item metrics')
    metrics = _load(out)
    assert set(metrics) == {'accuracy/top1', 'accuracy/top2'}


@pytest.mark.slow
def test_show_wait_time_interval(assets, monkeypatch):
    from mmengine.visualization import Visualizer
    shown = []
    monkeypatch.setattr(
        Visualizer,
        'show',
        lambda self, img, win_name='', wait_time=0, **kw: shown.append(
            (win_name, wait_time)))
    _main(monkeypatch, assets, IMG_CFG, '--show --wait-time 0.5 --interval 4')
    assert shown == [('s0.png', 0.5), ('s4.png', 0.5)]


@pytest.mark.slow
def test_tta_averages_the_image_and_its_flip(assets, monkeypatch):
    from mmpretrain.registry import DATASETS, MODELS
    out = assets['tmp'] / 'tta.pkl'
    _main(monkeypatch, assets, IMG_CFG, f'--tta --out {out}')
    tta = _load(out)
    # the same model on each test image and its horizontal flip
    cfg = Config.fromfile(osp.join(REPO, IMG_CFG))
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor = cfg.data_preprocessor  # as the Runner does
    model = MODELS.build(cfg.model).eval()
    load_checkpoint(model, assets['image_ckpt'])
    cfg.test_dataloader.dataset.data_root = str(assets['tmp'] / 'images')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    flips_matter = False
    for sample, pred in zip(dataset, tta):
        batch = default_collate([sample])
        flipped = dict(batch, inputs=batch['inputs'].flip(-1))
        with torch.no_grad():
            plain = model.test_step(batch)[0].pred_score
            mirror = model.test_step(flipped)[0].pred_score
        torch.testing.assert_close(pred['pred_score'], (plain + mirror) / 2)
        flips_matter |= not torch.allclose(plain, mirror, atol=1e-4)
    assert flips_matter


@pytest.mark.slow
def test_video_config_dump_and_show_dir(assets, monkeypatch):
    tmp = assets['tmp']
    _main(monkeypatch, assets, VID_CFG,
          f'--dump {tmp}/video.pkl --show-dir {tmp}/vis_v --interval 2')
    preds = _load(tmp / 'video.pkl')
    assert len(preds) == 2 and preds[0]['pred_scores']['item'].shape == (4, )
    # sample 0 drawn: 2 clips x 3 crops x 4 frames
    (drawn, ) = (tmp / 'vis_v').iterdir()
    assert drawn.name == '0_0'
    assert len(list(drawn.glob('frames_0/*.png'))) == 24


@pytest.mark.parametrize('cfg,flags,message', [
    (IMG_CFG, '--amp', '--amp needs a CUDA GPU'),
    (IMG_CFG, '--out-item pred', '--out-item needs --out'),
    (IMG_CFG, '--tta --show', '--tta with --show'),
    (VID_CFG, '--tta', 'mmaction2 has no TTA model'),
    ('configs/vicmae_vit-b16_k400.py', '', 'has no `test_dataloader`'),
])
def test_errors_name_the_flag(assets, monkeypatch, cfg, flags, message):
    if torch.cuda.is_available() and '--amp' in flags:
        pytest.skip('--amp works with CUDA')
    with pytest.raises(SystemExit, match=message):
        _main(monkeypatch, assets, cfg, flags)


@pytest.mark.slow
def test_launcher_pytorch_two_processes(assets):
    """tools/dist_test.sh: 2 processes (gloo on CPU) share the test set.

    Run from ``tmp``: mmengine collects CPU results through ``.dist_test/``
    in the working directory.
    """
    tmp = assets['tmp']
    cmd = [
        'bash', f'{REPO}/tools/dist_test.sh', f'{REPO}/{IMG_CFG}',
        assets['image_ckpt'], '2', '--work-dir', f'{tmp}/work_d', '--out',
        f'{tmp}/dist.pkl', '--cfg-options', *assets['image_data']
    ]
    env = tool_env(str(tmp), PORT=str(free_port()))
    proc = subprocess.run(
        cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    preds = _load(tmp / 'dist.pkl')
    assert sorted(osp.basename(p['img_path'])
                  for p in preds) == [f'{n}.png' for n in NAMES]
