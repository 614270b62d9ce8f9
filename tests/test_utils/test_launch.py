# Copyright (c) vicmae_mm contributors. All rights reserved.
import os
import socket
import subprocess
import sys
import textwrap

import pytest
from mmengine.config import Config
from mmengine.registry import MODEL_WRAPPERS as ROOT_WRAPPERS
from torch.nn.parallel import DistributedDataParallel

from vicmae_mm.utils import setup_amp, setup_launcher


def _cfg(**kw):
    base = dict(
        model=dict(type='MAE'),
        env_cfg=dict(dist_cfg=dict(backend='nccl')),
        optim_wrapper=dict(
            type='OptimWrapper', optimizer=dict(type='AdamW', lr=1.)))
    base.update(kw)
    return Config(base)


def test_setup_launcher_none_leaves_config():
    cfg = setup_launcher(_cfg(), 'none', cuda=False)
    assert cfg.launcher == 'none'
    assert 'model_wrapper_cfg' not in cfg
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_setup_launcher_cpu_picks_gloo_and_cpu_ddp():
    cfg = setup_launcher(
        _cfg(find_unused_parameters=True),
        'pytorch',
        cuda=False,
        init_group=False)
    assert cfg.launcher == 'pytorch'
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='mmpretrain.CPUDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=True,
        device_ids=None)
    # a wrapper of the config's own keeps its keys, loses the CUDA device
    cfg = setup_launcher(
        _cfg(model_wrapper_cfg=dict(
            type='MMDistributedDataParallel', device_ids=[0], foo=1)),
        'slurm',
        cuda=False,
        init_group=False)
    assert cfg.model_wrapper_cfg.type == (
        'mmpretrain.CPUDistributedDataParallel')
    assert cfg.model_wrapper_cfg.device_ids is None
    assert cfg.model_wrapper_cfg.foo == 1
    # the Runner looks the type up in mmengine's root registry
    wrapper_cls = ROOT_WRAPPERS.get(cfg.model_wrapper_cfg.type)
    assert issubclass(wrapper_cls, DistributedDataParallel)
    assert wrapper_cls.__name__ == 'CPUDistributedDataParallel'


def test_setup_launcher_cuda_keeps_nccl():
    cfg = setup_launcher(_cfg(), 'pytorch', cuda=True, init_group=False)
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


# One process per launcher, world size 1, with the variables each launcher
# sets (SLURM: srun; MPI: mpirun). mmengine's own init_dist would stop at
# torch.cuda.set_device on this CPU-only machine.
INIT_SCRIPT = textwrap.dedent('''
    import os, sys
    import torch.distributed as dist
    from mmengine.config import Config
    from mmengine.dist import get_dist_info
    from vicmae_mm.utils import setup_launcher
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl',
                                                  timeout=60))))
    setup_launcher(cfg, sys.argv[1], cuda=False)
    print(dist.get_backend(), get_dist_info(), os.environ['RANK'],
          os.environ['WORLD_SIZE'], cfg.model_wrapper_cfg.type)
    dist.destroy_process_group()
''')


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize('launcher,env', [
    ('pytorch', dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0')),
    ('slurm', dict(SLURM_PROCID='0', SLURM_NTASKS='1', SLURM_LOCALID='0',
                   SLURM_NODELIST='localhost')),
    ('mpi', dict(OMPI_COMM_WORLD_RANK='0', OMPI_COMM_WORLD_SIZE='1',
                 OMPI_COMM_WORLD_LOCAL_RANK='0')),
])
def test_cpu_process_group_for_every_launcher(launcher, env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(('SLURM_', 'OMPI_')) and k not in (
            'RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'CUDA_VISIBLE_DEVICES')
    }
    full_env.update(env, MASTER_ADDR='127.0.0.1', MASTER_PORT=_free_port(),
                    CUDA_VISIBLE_DEVICES='')
    out = subprocess.run([sys.executable, '-c', INIT_SCRIPT, launcher],
                         env=full_env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    # mmengine translated the launcher's variables into torch's
    assert out.stdout.split() == [
        'gloo', '(0,', '1)', '0', '1', 'mmpretrain.CPUDistributedDataParallel'
    ]


def test_setup_launcher_rejects_unknown():
    with pytest.raises(ValueError, match='launcher must be one of'):
        setup_launcher(_cfg(), 'torchrun', cuda=False, init_group=False)


def test_setup_amp():
    # --amp with CUDA: bf16 AmpOptimWrapper
    cfg = setup_amp(_cfg(), amp=True, cuda=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    # --amp without CUDA: a clear error
    with pytest.raises(RuntimeError, match='--amp needs a CUDA GPU'):
        setup_amp(_cfg(), amp=True, cuda=False)
    # an AMP config on CPU: an error that says how to override it
    amp_cfg = _cfg(
        optim_wrapper=dict(
            type='AmpOptimWrapper', dtype='bfloat16', optimizer=dict()))
    with pytest.raises(RuntimeError, match='optim_wrapper.type=OptimWrapper'):
        setup_amp(amp_cfg, cuda=False)
    # ... and once overridden, the AMP-only keys are dropped
    amp_cfg.merge_from_dict({'optim_wrapper.type': 'OptimWrapper'})
    setup_amp(amp_cfg, cuda=False)
    assert 'dtype' not in amp_cfg.optim_wrapper
    assert setup_amp(amp_cfg, cuda=True) is amp_cfg
