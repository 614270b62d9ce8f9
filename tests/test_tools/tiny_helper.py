# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Test-only hooks and loss for the tool tests (not a test).

Configs written by tiny_train_setup.py import this module through
``custom_imports``; the tool subprocesses find it through ``PYTHONPATH``
(tool_runs.tool_env). Importing it also records, per rank, every checkpoint
the Runner saves to ``$TINY_SAVE_RECORD``.
"""
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
            f.write(f'{get_rank()} {os.path.basename(filename)}\n')
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
        digest = sum(float(p.double().abs().sum()) for p in model.parameters())
        with open(os.path.join(out, f'rank{get_rank()}.txt'), 'w') as f:
            f.write(repr(digest))


@MODELS.register_module()
class RecordingInfoNCELoss(InfoNCELoss):
    """InfoNCELoss that saves its first input and output per rank.

    Writes {'z': (B, T, D) projections, 'video_id': (B, ) or None,
    'loss': scalar} to
    $TINY_LOSS_RECORD_DIR/rank<r>.pt at the first call.
    """

    def forward(self, z, p=None, video_id=None):
        loss = super().forward(z, p, video_id)
        out = os.environ.get('TINY_LOSS_RECORD_DIR')
        path = out and os.path.join(out, f'rank{get_rank()}.pt')
        if path and not os.path.exists(path):
            torch.save(
                dict(z=z.detach().clone(), video_id=video_id,
                     loss=loss.detach().clone()), path)
        return loss


@HOOKS.register_module()
class TinyKillHook(Hook):
    """SIGKILL this process after iteration $TINY_KILL_AT (1-based)."""

    priority = 'LOWEST'

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if runner.iter + 1 == int(os.environ.get('TINY_KILL_AT', '-1')):
            os.kill(os.getpid(), signal.SIGKILL)
