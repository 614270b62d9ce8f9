# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Tiny self-contained training setup for the tool tests (not a test).

Writes into a directory: 8 synthetic PNGs, a helper module with test-only
hooks (imported by the config through ``custom_imports``), and a config that
trains a tiny mmpretrain MAE (embed 32, depth 2, 32 px, patch 8) on them with
the project's ``_base_`` runtime and schedule, iteration-based.

:func:`make_vicmae_setup` writes the same helper module and a config that
inherits ``configs/vicmae_vit-t16_demo.py`` (the README's demo) with test
overrides, trained on a small demo dataset (:func:`make_small_demo`).
"""
import os
import os.path as osp
import re
import socket
import subprocess
import sys
from typing import Dict, List, Optional

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PYTHON = sys.executable

HELPER = '''
import os
import signal

import mmengine.runner.runner as runner_module
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS, MODELS

from vicmae_mm.models.losses import InfoNCELoss

_save = runner_module.save_checkpoint


def _recording_save(checkpoint, filename, *args, **kwargs):
    record = os.environ.get('TINY_SAVE_RECORD')
    if record:
        with open(record, 'a') as f:
            f.write(f'{get_rank()} {os.path.basename(filename)}\\n')
    return _save(checkpoint, filename, *args, **kwargs)


runner_module.save_checkpoint = _recording_save


@HOOKS.register_module()
class TinyDigestHook(Hook):
    """Write this rank's parameter digest to $TINY_DIGEST_DIR/rank<r>.txt."""

    def after_run(self, runner):
        out = os.environ.get('TINY_DIGEST_DIR')
        if not out:
            return
        model = getattr(runner.model, 'module', runner.model)
        digest = sum(float(p.double().abs().sum())
                     for p in model.parameters())
        with open(os.path.join(out, f'rank{get_rank()}.txt'), 'w') as f:
            f.write(repr(digest))


@MODELS.register_module()
class RecordingInfoNCELoss(InfoNCELoss):
    """InfoNCELoss that saves its first input and output per rank.

    Writes {'z': (B, T, D) projections, 'loss': scalar} to
    $TINY_LOSS_RECORD_DIR/rank<r>.pt at the first call.
    """

    def forward(self, z, p=None):
        loss = super().forward(z, p)
        out = os.environ.get('TINY_LOSS_RECORD_DIR')
        path = out and os.path.join(out, f'rank{get_rank()}.pt')
        if path and not os.path.exists(path):
            torch.save(dict(z=z.detach().clone(), loss=loss.detach().clone()),
                       path)
        return loss


@HOOKS.register_module()
class TinyKillHook(Hook):
    """SIGKILL this process after iteration $TINY_KILL_AT (1-based)."""

    priority = 'LOWEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == int(os.environ.get('TINY_KILL_AT', '-1')):
            os.kill(os.getpid(), signal.SIGKILL)
'''

# iteration-based schedule, logs and checkpoints of both test configs
ITER_SCHEDULE = '''
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2),
    dict(type='CosineAnnealingLR', T_max={cosine}, by_epoch=False, begin=2,
         end={cosine_end}),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters={max_iters})
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(by_epoch=False, interval={ckpt_interval},
                    max_keep_ckpts=2))
log_processor = dict(window_size=1, by_epoch=False)
randomness = dict(seed=42)
'''

CONFIG = '''
_base_ = [
    {runtime!r},
    {schedule!r},
]
custom_imports = dict(
    imports=['vicmae_mm', 'tiny_helper'], allow_failed_imports=False)

model = dict(
    type='MAE',
    backbone=dict(
        type='MAEViT',
        arch=dict(
            embed_dims=32, num_layers=2, num_heads=2,
            feedforward_channels=64),
        img_size=32,
        patch_size=8,
        mask_ratio=0.75),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=16,
        patch_size=8,
        in_chans=3,
        embed_dim=32,
        decoder_embed_dim=32,
        decoder_depth=1,
        decoder_num_heads=2,
        mlp_ratio=2.),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,
        patch_size=8,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True))

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CustomDataset',
        data_root={data_root!r},
        with_label=False,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='RandomResizedCrop', scale=32,
                 crop_ratio_range=(0.5, 1.0)),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackInputs'),
        ]))

optim_wrapper = dict(optimizer=dict(lr=1e-3))
''' + ITER_SCHEDULE + '''
custom_hooks = [dict(type='TinyKillHook'), dict(type='TinyDigestHook')]
auto_scale_lr = dict(base_batch_size=4)
'''


def make_tiny_setup(root: str,
                    max_iters: int = 2,
                    ckpt_interval: int = 2) -> str:
    """Write images, helper module and config under ``root``.

    Returns:
        str: The config path.
    """
    import cv2
    data_root = osp.join(root, 'images')
    os.makedirs(data_root, exist_ok=True)
    rng = np.random.RandomState(0)
    for i in range(8):
        img = rng.randint(0, 255, (40, 48, 3), dtype=np.uint8)
        cv2.imwrite(osp.join(data_root, f'{i}.png'), img)
    with open(osp.join(root, 'tiny_helper.py'), 'w') as f:
        f.write(HELPER)
    cfg_path = osp.join(root, 'tiny_mae.py')
    with open(cfg_path, 'w') as f:
        f.write(
            CONFIG.format(
                runtime=osp.join(REPO, 'configs/_base_/default_runtime.py'),
                schedule=osp.join(REPO,
                                  'configs/_base_/schedules/'
                                  'vicmae_adamw_800e.py'),
                data_root=data_root,
                max_iters=max_iters,
                cosine=max(max_iters - 2, 1),
                cosine_end=max(max_iters, 3),
                ckpt_interval=ckpt_interval))
    return cfg_path


VICMAE_CONFIG = '''
_base_ = [{demo!r}]
custom_imports = dict(
    imports=['vicmae_mm', 'tiny_helper'], allow_failed_imports=False)
train_dataloader = dict(
    batch_size={batch_size},
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root={data_root!r}))
model = dict(contrast_head=dict(loss=dict(type='RecordingInfoNCELoss')))
''' + ITER_SCHEDULE + '''
custom_hooks = [
    dict(type='ContrastWeightHook', final=0.03, warmup='linear',
         warmup_iters={warmup_iters}),
    dict(type='BadSampleCounterHook'),
    dict(type='TinyKillHook'),
    dict(type='TinyDigestHook'),
]
'''


def make_small_demo(root: str) -> str:
    """A small built-in demo set (8 train videos, raw frames, images).

    Returns:
        str: Its root folder, with a trailing slash.
    """
    from vicmae_mm.datasets.demo import make_demo_dataset
    out = osp.join(root, 'vicmae_demo')
    make_demo_dataset(out, seed=0, videos_per_class=3, val_videos_per_class=1,
                      images_per_class=2, val_images_per_class=1,
                      video_size=64, num_frames=24, rawframes=True)
    return out + '/'


def make_vicmae_setup(root: str,
                      data_root: str,
                      max_iters: int = 2,
                      ckpt_interval: int = 2,
                      warmup_iters: int = 10,
                      batch_size: int = 2) -> str:
    """Write the helper module and a ViC-MAE demo config under ``root``.

    The config is ``configs/vicmae_vit-t16_demo.py`` (tiny ViT, 32 px, K=4
    pairs per video) made iteration-based for the tests: InfiniteSampler,
    ``num_workers=0``, iteration checkpoints, contrastive weight rising
    linearly over ``warmup_iters``, the recording InfoNCE loss and the
    test-only hooks of the helper module.

    Returns:
        str: The config path.
    """
    with open(osp.join(root, 'tiny_helper.py'), 'w') as f:
        f.write(HELPER)
    cfg_path = osp.join(root, 'tiny_vicmae.py')
    with open(cfg_path, 'w') as f:
        f.write(
            VICMAE_CONFIG.format(
                demo=osp.join(REPO, 'configs', 'vicmae_vit-t16_demo.py'),
                data_root=data_root,
                batch_size=batch_size,
                max_iters=max_iters,
                cosine=max(max_iters - 2, 1),
                cosine_end=max(max_iters, 3),
                ckpt_interval=ckpt_interval,
                warmup_iters=warmup_iters))
    return cfg_path


def tool_env(root: str, **extra: str) -> Dict[str, str]:
    """Environment for a tool subprocess: helper importable, 1 thread."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [root, REPO, env.get('PYTHONPATH', '')])
    env['OMP_NUM_THREADS'] = '1'
    env['PYTHON'] = PYTHON
    env.pop('TINY_KILL_AT', None)
    env.update(extra)
    return env


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_tool(args: List[str],
             root: str,
             timeout: float = 60,
             **extra: str) -> subprocess.CompletedProcess:
    """Run ``args`` (a command line) from the repo root, capture output."""
    return subprocess.run(
        args,
        cwd=REPO,
        env=tool_env(root, **extra),
        capture_output=True,
        text=True,
        timeout=timeout)


def read_scalars(work_dir: str) -> List[Dict[str, List[dict]]]:
    """Parse every ``vis_data/scalars.json`` under ``work_dir``.

    Returns:
        list[list[dict]]: One list of records per run, oldest run first.
    """
    import json
    runs = []
    for stamp in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, stamp, 'vis_data', 'scalars.json')
        if re.fullmatch(r'\d{8}_\d{6}', stamp) and osp.exists(path):
            with open(path) as f:
                runs.append([json.loads(line) for line in f if line.strip()])
    return runs


def losses_by_iter(records: List[dict],
                   key: str = 'loss') -> Dict[int, float]:
    """``{iter: value}`` of ``key`` from scalars.json records."""
    return {r['iter']: r[key] for r in records if key in r}


def last_checkpoint(work_dir: str) -> Optional[str]:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(path):
        return None
    with open(path) as f:
        return f.read().strip()


def kill_then_resume(cfg: str, root: str, kill_at: int,
                     timeout: float = 240) -> Dict[str, object]:
    """Train ``cfg`` three ways with ``tools/train.py``.

    An uninterrupted reference run (work dir ``root/full``) runs beside a run
    that SIGKILLs itself after iteration ``kill_at`` (``root/killed``), which
    is then restarted with ``--resume``. Asserts that each process ended as
    expected.

    Returns:
        dict: ``killed_dir``, ``full_dir``, ``after_kill`` (the
        ``last_checkpoint`` right after the kill) and ``resumed`` (the
        resumed run's CompletedProcess).
    """
    import signal
    killed_dir, full_dir = osp.join(root, 'killed'), osp.join(root, 'full')
    full = subprocess.Popen(
        [PYTHON, 'tools/train.py', cfg, '--work-dir', full_dir],
        cwd=REPO,
        env=tool_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True)
    try:
        killed = run_tool(
            [PYTHON, 'tools/train.py', cfg, '--work-dir', killed_dir],
            root,
            timeout=timeout,
            TINY_KILL_AT=str(kill_at))
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
        after_kill = last_checkpoint(killed_dir)
        resumed = run_tool(
            [PYTHON, 'tools/train.py', cfg, '--work-dir', killed_dir,
             '--resume'],
            root,
            timeout=timeout)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        _, err = full.communicate(timeout=timeout)
        assert full.returncode == 0, err[-3000:]
    finally:
        if full.poll() is None:
            full.kill()
            full.wait()
    return dict(killed_dir=killed_dir, full_dir=full_dir,
                after_kill=after_kill, resumed=resumed)
