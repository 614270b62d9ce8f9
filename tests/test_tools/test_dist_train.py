# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Several processes and nodes train one model on CPU (torchrun + gloo).

The toy MAE config checks the launcher on its own; the ViC-MAE demo config
(tiny overrides) trains as two nodes started separately. The two-process
ViC-MAE run with the global-batch check is in test_vicmae_train.py.
"""
import os
import os.path as osp
import subprocess

import pytest
from tiny_train_setup import (make_small_demo, make_tiny_setup,
                              make_vicmae_setup)
from tool_runs import (REPO, free_port, last_checkpoint, losses_by_iter,
                       read_scalars, tool_env)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tiny_dist'))
    return root, make_tiny_setup(root, max_iters=3, ckpt_interval=3)


@pytest.fixture(scope='module')
def tiny_vicmae(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tiny_dist_vicmae'))
    data_root = make_small_demo(root)
    return root, make_vicmae_setup(root, data_root, max_iters=3,
                                   ckpt_interval=3)


def _launch(root, cfg, work_dir, nproc, **env):
    return subprocess.Popen(
        ['bash', 'tools/dist_train.sh', cfg,
         str(nproc), '--work-dir', work_dir],
        cwd=REPO,
        env=tool_env(root, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)


def _finish(procs, timeout=150):
    outs = []
    try:
        for proc in procs:
            outs.append(proc.communicate(timeout=timeout)[0])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return outs


def _check_one_model(root, work_dir, world_size):
    # one set of weights: every rank ends with identical parameters
    digests = [
        open(osp.join(root, 'digest', f'rank{r}.txt')).read()
        for r in range(world_size)
    ]
    assert len(set(digests)) == 1, digests
    # only global rank 0 wrote the checkpoint
    with open(osp.join(root, 'saves.txt')) as f:
        saves = f.read().split('\n')
    assert [s for s in saves if s] == ['0 iter_3.pth']
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'iter_3.pth')
    (records, ) = read_scalars(work_dir)
    assert sorted(losses_by_iter(records)) == [1, 2, 3]


def _fresh(root, name):
    for f in ('saves.txt', ):
        if osp.exists(osp.join(root, f)):
            os.remove(osp.join(root, f))
    os.makedirs(osp.join(root, 'digest'), exist_ok=True)
    for f in os.listdir(osp.join(root, 'digest')):
        os.remove(osp.join(root, 'digest', f))
    return osp.join(root, name)


@pytest.mark.slow
def test_torchrun_two_processes_gloo(tiny):
    root, cfg = tiny
    work_dir = _fresh(root, 'two_procs')
    env = dict(
        PORT=str(free_port()),
        TINY_SAVE_RECORD=osp.join(root, 'saves.txt'),
        TINY_DIGEST_DIR=osp.join(root, 'digest'))
    proc = _launch(root, cfg, work_dir, 2, **env)
    (out, ) = _finish([proc])
    assert proc.returncode == 0, out[-3000:]
    assert 'Distributed training: True' in out
    assert 'GPU number: 2' in out  # mmengine's name for the world size
    _check_one_model(root, work_dir, 2)


@pytest.mark.slow
def test_dist_train_two_nodes_on_one_machine(tiny_vicmae):
    root, cfg = tiny_vicmae
    work_dir = _fresh(root, 'two_nodes')
    env = dict(
        NNODES='2',
        MASTER_ADDR='127.0.0.1',
        PORT=str(free_port()),
        TINY_SAVE_RECORD=osp.join(root, 'saves.txt'),
        TINY_DIGEST_DIR=osp.join(root, 'digest'))
    procs = [
        _launch(root, cfg, work_dir, 1, NODE_RANK=str(rank), **env)
        for rank in (0, 1)
    ]
    outs = _finish(procs)
    for proc, out in zip(procs, outs):
        assert proc.returncode == 0, out[-3000:]
    assert 'GPU number: 2' in outs[0]
    _check_one_model(root, work_dir, 2)
