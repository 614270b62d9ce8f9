# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Checks that need a CUDA GPU (skipped without one; run by
tools/analysis/gpu_check.sh): bf16 AMP training step, NCCL init."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import AmpOptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA GPU')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tiny_shrink() -> dict:
    """The unit-test model size (also benchmark_train's --tiny)."""
    from vicmae_mm.utils.model_size import TINY_MODEL_OPTIONS
    return TINY_MODEL_OPTIONS


def tiny_cuda_model():
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/models/vicmae_vit-base-p16.py'))
    cfg.merge_from_dict(_tiny_shrink())
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.init_weights()
    return model.cuda().train()


def test_amp_bf16_train_step():
    torch.manual_seed(0)
    model = tiny_cuda_model()
    dtypes = []
    model.backbone.layers[0].attn.qkv.register_forward_hook(
        lambda m, i, o: dtypes.append(o.dtype))
    optim = AmpOptimWrapper(
        dtype='bfloat16',
        optimizer=torch.optim.AdamW(model.parameters(), lr=1e-3))
    data = dict(
        inputs=[
            torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
            for _ in range(2)
        ],
        data_samples=[DataSample() for _ in range(4)])
    before = model.backbone.patch_embed.projection.weight.detach().clone()
    losses = [float(model.train_step(data, optim)['loss']) for _ in range(3)]
    assert all(torch.isfinite(torch.tensor(losses))), losses
    assert torch.bfloat16 in dtypes, dtypes  # autocast was active
    after = model.backbone.patch_embed.projection.weight
    assert after.dtype == torch.float32  # master weights stay fp32
    assert not torch.equal(before, after.detach())


def test_nccl_single_process_init(tmp_path):
    import torch.distributed as dist
    from mmengine import dist as mm_dist
    if not dist.is_nccl_available():
        pytest.skip('this torch build has no NCCL')
    assert not dist.is_initialized()
    dist.init_process_group(
        'nccl',
        init_method=f'file://{tmp_path / "store"}',
        rank=0,
        world_size=1,
        device_id=torch.device('cuda', 0))
    try:
        x = torch.arange(4., device='cuda')
        dist.all_reduce(x)
        assert x.tolist() == [0., 1., 2., 3.]
        assert mm_dist.get_world_size() == 1 and mm_dist.get_rank() == 0
        gathered = mm_dist.all_gather(x)
        assert len(gathered) == 1 and torch.equal(gathered[0], x)
        # the model's contrastive gather under a real NCCL group
        model = tiny_cuda_model()
        optim = AmpOptimWrapper(
            dtype='bfloat16',
            optimizer=torch.optim.AdamW(model.parameters(), lr=1e-3))
        data = dict(
            inputs=[torch.rand(4, 3, 32, 32) * 255 for _ in range(2)],
            data_samples=[DataSample() for _ in range(4)])
        logs = model.train_step(data, optim)
        assert torch.isfinite(logs['loss_contrast'])
    finally:
        dist.destroy_process_group()
