# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Tiny self-contained training setup for the tool tests (not a test).

Writes into a directory: 8 synthetic PNGs, a helper module with test-only
hooks (imported by the config through ``custom_imports``), and a config that
trains a tiny mmpretrain MAE (embed 32, depth 2, 32 px, patch 8) on them with
the project's ``_base_`` runtime and schedule, iteration-based.
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
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

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


@HOOKS.register_module()
class TinyKillHook(Hook):
    """SIGKILL this process after iteration $TINY_KILL_AT (1-based)."""

    priority = 'LOWEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == int(os.environ.get('TINY_KILL_AT', '-1')):
            os.kill(os.getpid(), signal.SIGKILL)
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
custom_hooks = [dict(type='TinyKillHook'), dict(type='TinyDigestHook')]
log_processor = dict(window_size=1, by_epoch=False)
randomness = dict(seed=42)
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
