# Copyright (c) vicmae_mm contributors. All rights reserved.
import copy
import glob
import math
import re
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules
from torch.utils.data import Dataset

import vicmae_mm  # noqa: F401
from vicmae_mm.engine.hooks import ContrastWeightHook
from vicmae_mm.engine.hooks.contrast_weight_hook import contrast_weight_at

register_all_modules(init_default_scope=True)

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
MODEL = dict(
    type='ViCMAE',
    backbone=dict(type='VicMAEViT', arch=ARCH, img_size=32, patch_size=8),
    neck=dict(type='TokenPoolNeck'),
    recon_head=dict(type='MAEReconHead', patch_size=8, decoder=dict(
        type='MAEPretrainDecoder', num_patches=16, patch_size=8,
        embed_dim=32, decoder_embed_dim=16, decoder_depth=1,
        decoder_num_heads=2)),
    contrast_head=dict(type='FrameContrastHead', projector=dict(
        type='NonLinearNeck', in_channels=32, hid_channels=32,
        out_channels=8, num_layers=3, with_bias=True, with_last_bn=False,
        with_last_bias=True, with_avg_pool=False)),  # SyncBN -> BN by Runner
    contrast_weight=123.)  # must be overwritten by the hook


class _Frames(Dataset):
    """4 synthetic 2-frame clips, as the data pipeline packs them."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        frames = [torch.randint(0, 256, (3, 32, 32), generator=g,
                                dtype=torch.uint8) for _ in range(2)]
        return dict(inputs=frames, data_samples=DataSample())


class _Record(Hook):
    priority = 'LOWEST'  # after RuntimeInfoHook wrote the outputs

    def __init__(self):
        self.seen = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.seen.append((
            runner.iter,
            runner.message_hub.get_scalar('train/contrast_weight').current(),
            float(outputs['contrast_weight']),
            float(runner.model.contrast_weight),
            float(outputs['loss'].detach())))


def test_schedule_values():
    assert contrast_weight_at(0, 0.03, 'linear', 10) == 0.
    assert contrast_weight_at(0, 0.03, 'constant', 10) == 0.03
    assert math.isclose(contrast_weight_at(5, 0.03, 'cosine', 10), 0.015)
    assert math.isclose(contrast_weight_at(2, 0.03, 'cosine', 8),
                        0.03 * 0.5 * (1 - math.cos(math.pi / 4)))
    assert contrast_weight_at(10, 0.03, 'linear', 10) == 0.03
    with pytest.raises(ValueError, match='warmup'):
        ContrastWeightHook(warmup='exp')
    with pytest.raises(ValueError, match='exactly one'):
        ContrastWeightHook(warmup='linear')


def test_resume_and_epochs_use_runner_iter():
    hook = ContrastWeightHook(final=0.4, warmup='linear', warmup_epochs=2)
    model = torch.nn.Module()
    model.register_buffer('contrast_weight', torch.tensor(0.),
                          persistent=False)
    buffer = model.contrast_weight
    runner = SimpleNamespace(iter=15, model=model, train_dataloader=[0] * 10,
                             message_hub=SimpleNamespace(
                                 update_info=lambda k, v: None))
    hook.before_train_iter(runner, 0)  # resumed at iter 15 of 20 warm-up
    assert math.isclose(model.contrast_weight, 0.4 * 15 / 20, rel_tol=1e-6)
    assert model.contrast_weight is buffer  # updated in place
    # a Python float attribute is refused (torch.compile would re-trace)
    model._buffers.pop('contrast_weight')
    model.contrast_weight = 0.
    with pytest.raises(TypeError, match='0-dim tensor buffer'):
        hook.before_train_iter(runner, 0)


def _runner(work_dir, record, warmup_iters=5, checkpoint=3, **kwargs):
    return Runner(
        model=copy.deepcopy(MODEL),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_Frames(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=False, max_iters=6),
        optim_wrapper=dict(type='OptimWrapper',
                           optimizer=dict(type='AdamW', lr=1e-4)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            iter_seed=dict(type='IterSeedHook'),  # masks of iteration i
            checkpoint=checkpoint and dict(
                type='CheckpointHook', interval=checkpoint, by_epoch=False)),
        log_processor=dict(by_epoch=False),
        custom_hooks=[dict(type='ContrastWeightHook', final=0.03,
                           warmup='linear', warmup_iters=warmup_iters),
                      record],
        randomness=dict(seed=0),
        default_scope='mmpretrain',
        **kwargs)


@pytest.mark.slow
def test_resumed_run_uses_the_hooks_weight(tmp_path):
    """The weight buffer is not in the state dict; after a resume the hook
    writes the weight of the resumed iteration before it runs, and the
    losses equal the uninterrupted run's."""
    model = MODELS.build(copy.deepcopy(MODEL))
    assert float(model.contrast_weight) == 123.
    assert 'contrast_weight' in dict(model.named_buffers())
    assert 'contrast_weight' not in model.state_dict()
    full = _Record()
    _runner(tmp_path / 'full', full).train()
    ckpt = torch.load(tmp_path / 'full' / 'iter_3.pth', weights_only=False)
    assert not any('contrast_weight' in k for k in ckpt['state_dict'])
    resumed = _Record()
    _runner(tmp_path / 'resumed', resumed, resume=True,
            load_from=str(tmp_path / 'full' / 'iter_3.pth')).train()
    assert [s[0] for s in resumed.seen] == [3, 4, 5]
    for got, ref in zip(resumed.seen, full.seen[3:]):
        assert got[1:] == pytest.approx(ref[1:], abs=1e-7)


@pytest.mark.slow
def test_runner_logs_the_weight_used(tmp_path):
    record = _Record()
    runner = _runner(tmp_path, record, warmup_iters=4, checkpoint=None)
    runner.train()
    expected = [0.03 * min(1., i / 4) for i in range(6)]
    assert [s[0] for s in record.seen] == list(range(6))
    for (_, hub, out, attr, _), w in zip(record.seen, expected):
        assert math.isclose(hub, w, abs_tol=1e-9)  # message hub
        assert math.isclose(out, w, abs_tol=1e-9)  # loss dict
        assert math.isclose(attr, w, abs_tol=1e-9)  # model attribute
    log = open(glob.glob(str(tmp_path / '*' / '*.log'))[0]).read()
    logged = [float(v) for v in re.findall(r'contrast_weight: ([0-9.e-]+)',
                                           log)]
    # iteration 1 (0-based 0), mid warm-up (2) and after warm-up (5)
    assert logged[0] == 0. and math.isclose(logged[2], 0.015, rel_tol=1e-3)
    assert math.isclose(logged[5], 0.03, rel_tol=1e-3)
