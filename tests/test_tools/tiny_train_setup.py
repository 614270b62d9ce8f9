# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Tiny self-contained training set-ups for the tool tests (not a test).

:func:`make_tiny_setup` writes 8 synthetic PNGs and a config that trains a
tiny mmpretrain MAE (embed 32, depth 2, 32 px, patch 8) on them with the
project's ``_base_`` runtime and schedule, iteration-based.
:func:`make_vicmae_setup` writes a config that inherits the README's demo
config with test overrides, trained on a small demo dataset
(:func:`make_small_demo`). Both configs import the test-only hooks of
tiny_helper.py; tool_runs.py runs the tools on them (its helpers are
re-exported here for the tests that import them from this module).
"""
import os
import os.path as osp

import numpy as np
from tool_runs import (  # noqa: F401  (re-exported)
    PYTHON, REPO, free_port, kill_then_resume, last_checkpoint, losses_by_iter,
    read_scalars, run_tool, tool_env)

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
    """Write the images and the config under ``root``.

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
    cfg_path = osp.join(root, 'tiny_mae.py')
    with open(cfg_path, 'w') as f:
        f.write(
            CONFIG.format(
                runtime=osp.join(REPO, 'configs/_base_/default_runtime.py'),
                schedule=osp.join(
                    REPO, 'configs/_base_/schedules/'
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
    make_demo_dataset(
        out,
        seed=0,
        videos_per_class=3,
        val_videos_per_class=1,
        images_per_class=2,
        val_images_per_class=1,
        video_size=64,
        num_frames=24,
        rawframes=True)
    return out + '/'


def make_vicmae_setup(root: str,
                      data_root: str,
                      max_iters: int = 2,
                      ckpt_interval: int = 2,
                      warmup_iters: int = 10,
                      batch_size: int = 2) -> str:
    """Write a ViC-MAE demo config under ``root``.

    The config is ``configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py``
    (tiny ViT, 32 px, K=4 pairs per video) made iteration-based for the
    tests: InfiniteSampler, ``num_workers=0``, iteration checkpoints,
    contrastive weight rising linearly over ``warmup_iters``, the recording
    InfoNCE loss and the test-only hooks of tiny_helper.py.

    Returns:
        str: The config path.
    """
    cfg_path = osp.join(root, 'tiny_vicmae.py')
    with open(cfg_path, 'w') as f:
        f.write(
            VICMAE_CONFIG.format(
                demo=osp.join(REPO, 'configs',
                              'vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py'),
                data_root=data_root,
                batch_size=batch_size,
                max_iters=max_iters,
                cosine=max(max_iters - 2, 1),
                cosine_end=max(max_iters, 3),
                ckpt_interval=ckpt_interval,
                warmup_iters=warmup_iters))
    return cfg_path
