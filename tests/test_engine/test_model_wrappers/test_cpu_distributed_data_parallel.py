# Copyright (c) vicmae_mm contributors. All rights reserved.
import socket

import torch
import torch.distributed as dist
from mmpretrain.registry import MODEL_WRAPPERS
from mmpretrain.utils import register_all_modules
from torch import nn

import vicmae_mm  # noqa: F401

register_all_modules(init_default_scope=True)


def test_cpu_ddp_reverts_sync_bn_and_trains():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=0, world_size=1)
    try:
        model = nn.Sequential(nn.Linear(4, 8), nn.SyncBatchNorm(8))
        weight = model[1].weight
        wrapper = MODEL_WRAPPERS.build(
            dict(type='CPUDistributedDataParallel', device_ids=[0]),
            default_args=dict(module=model))
        assert wrapper.device_ids is None
        norms = [
            m for m in wrapper.module.modules()
            if 'Norm' in type(m).__name__
        ]
        assert len(norms) == 1
        assert not isinstance(norms[0], nn.SyncBatchNorm)
        assert isinstance(norms[0], nn.modules.batchnorm._BatchNorm)
        assert norms[0].weight is weight  # parameters kept, not copied
        out = wrapper(torch.randn(5, 4))
        out.sum().backward()
        assert weight.grad is not None
    finally:
        dist.destroy_process_group()
