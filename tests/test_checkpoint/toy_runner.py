# Copyright (c) vicmae_mm contributors. All rights reserved.
"""A tiny in-process Runner (a linear model, 8 samples) for checkpoint tests.

Not a test module: imported by tests/test_checkpoint and tests/test_faults
(whose conftest puts this folder on ``sys.path``).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import vicmae_mm  # noqa: F401  (safe loader, atomic backend)
from vicmae_mm.engine.hooks import AtomicCheckpointHook


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=(out - data_samples).pow(2).mean())
        return out


class ToyData(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(
            inputs=torch.randn(4, generator=g),
            data_samples=torch.randn(1, generator=g))


def toy_runner(work_dir,
               max_epochs: int,
               resume: bool = False,
               load_from: Optional[str] = None,
               atomic: bool = True,
               max_keep_ckpts: int = -1,
               out_dir: Optional[str] = None,
               custom_hooks=None) -> Runner:
    """4 iterations per epoch, a checkpoint every epoch.

    Args:
        atomic (bool): ``AtomicCheckpointHook`` (else mmengine's
            ``CheckpointHook``). Defaults to True.
        out_dir (str, optional): Checkpoints go to
            ``out_dir/<work_dir name>`` (``last_checkpoint`` stays in
            ``work_dir``). Defaults to None (``work_dir``).
    """
    ckpt = dict(interval=1, max_keep_ckpts=max_keep_ckpts, out_dir=out_dir)
    checkpoint = AtomicCheckpointHook(**ckpt) if atomic else dict(
        type='CheckpointHook', **ckpt)
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(),
            batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-2)),
        param_scheduler=dict(
            type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=8),
        default_hooks=dict(
            checkpoint=checkpoint,
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=custom_hooks,
        randomness=dict(seed=0),
        resume=resume,
        load_from=load_from,
        default_scope='mmengine')
