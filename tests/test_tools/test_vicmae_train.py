# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The ViC-MAE demo config through the real tools, on CPU.

- ``tools/train.py configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py`` (the
  README's demo, shortened) writes checkpoints, a log and the documented
  scalars, and its loss goes down;
- two processes (torchrun, gloo) train it: the InfoNCE loss of each rank is
  computed over the global batch (equal to a single-process loss on the
  concatenated projections), only rank 0 writes checkpoints;
- a run killed with SIGKILL and restarted with ``--resume`` continues
  exactly (losses, lr and contrastive weight of an uninterrupted run).

The torchrun and two-node launches of ``tools/dist_train.sh`` are also
covered on a toy MAE by test_dist_train.py.
"""
import os
import os.path as osp
import subprocess

import pytest
import torch
from tiny_train_setup import make_small_demo, make_vicmae_setup
from tool_runs import (PYTHON, REPO, free_port, kill_then_resume,
                       last_checkpoint, losses_by_iter, read_scalars,
                       run_tool, tool_env)

DEMO_CFG = 'configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py'
LOGGED = ('loss', 'loss_recon', 'loss_contrast', 'raw_recon', 'raw_contrast',
          'contrast_weight', 'lr', 'data_time', 'time', 'pairs_per_s')


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    return make_small_demo(str(tmp_path_factory.mktemp('vicmae_demo')))


def _mean(values):
    return sum(values) / len(values)


@pytest.mark.slow
def test_demo_config_trains_and_loss_goes_down(demo, tmp_path):
    work_dir = str(tmp_path / 'work')
    # 8 training videos, 4 per batch (x 4 pairs): 2 iterations per epoch
    proc = run_tool([
        PYTHON, 'tools/train.py', DEMO_CFG, '--work-dir', work_dir,
        '--cfg-options', f'train_dataloader.dataset.data_root={demo}',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=8',
        'default_hooks.logger.interval=1', 'log_processor.window_size=1'
    ], str(tmp_path), timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # one checkpoint per epoch, the latest 2 kept
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'epoch_8.pth')
    ckpts = sorted(f for f in os.listdir(work_dir) if f.endswith('.pth'))
    assert ckpts == ['epoch_7.pth', 'epoch_8.pth']
    (stamp, ) = [p for p in os.listdir(work_dir) if p[:1].isdigit()]
    log = [f for f in os.listdir(osp.join(work_dir, stamp))
           if f.endswith('.log')]
    assert log, 'no text log'
    with open(osp.join(work_dir, stamp, log[0])) as f:
        text = f.read()
    # BadSampleCounterHook's summary after each of the 8 epochs
    assert text.count(': no bad samples (totals: none)') == 8

    (records, ) = read_scalars(work_dir)
    train = [r for r in records if 'loss' in r]
    assert [r['iter'] for r in train] == list(range(1, 17))
    for key in LOGGED:
        assert key in train[-1], key
    assert train[-1]['pairs_per_s'] > 0
    # w_c rises linearly over 10 epochs = 20 iterations; iteration i uses
    # the weight of i - 1 finished iterations
    for r in train:
        assert r['contrast_weight'] == pytest.approx(
            0.03 * (r['iter'] - 1) / 20, abs=1e-7)
        assert r['loss_contrast'] == pytest.approx(
            r['contrast_weight'] * r['raw_contrast'], rel=1e-4, abs=1e-7)
    losses = [r['loss'] for r in train]
    first, last = _mean(losses[:4]), _mean(losses[-4:])
    assert last < 0.85 * first, losses


def _read_loss_records(folder):
    return [
        torch.load(osp.join(folder, f'rank{r}.pt'), weights_only=True)
        for r in range(2)
    ]


@pytest.mark.slow
def test_torchrun_two_processes_contrast_over_global_batch(demo, tmp_path):
    from vicmae_mm.models.losses import InfoNCELoss
    root = str(tmp_path)
    cfg = make_vicmae_setup(root, demo, max_iters=2, ckpt_interval=2)
    work_dir = osp.join(root, 'work')
    for sub in ('digest', 'loss'):
        os.makedirs(osp.join(root, sub))
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work_dir],
        cwd=REPO,
        env=tool_env(
            root,
            PORT=str(free_port()),
            TINY_SAVE_RECORD=osp.join(root, 'saves.txt'),
            TINY_DIGEST_DIR=osp.join(root, 'digest'),
            TINY_LOSS_RECORD_DIR=osp.join(root, 'loss')),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'GPU number: 2' in proc.stdout  # mmengine's name for world size

    # the InfoNCE loss of iteration 1 on each rank: 2 videos x 4 pairs
    rec = _read_loss_records(osp.join(root, 'loss'))
    z0, z1 = rec[0]['z'], rec[1]['z']
    assert z0.shape == z1.shape == (8, 2, 64)
    assert not torch.allclose(z0, z1)  # each rank has its own samples
    # the video ids came through the loader, collate and preprocessor:
    # 4 pairs of each of the 2 videos of a rank share one
    ids0, ids1 = rec[0]['video_id'], rec[1]['video_id']
    for ids in (ids0, ids1):
        assert ids.dtype == torch.int64 and ids.shape == (8, )
        assert sorted(torch.unique(ids, return_counts=True)[1]) == [4, 4]
    loss_fn = InfoNCELoss(temperature=0.1)  # this process: world size 1
    # each rank's anchors saw all 2 x 8 x 2 = 32 embeddings of the global
    # batch: the mean of the rank losses is the loss of one process on the
    # concatenated batch, which differs from a loss over local negatives
    # and from one that makes a video's other pairs negatives
    z, ids = torch.cat([z0, z1]), torch.cat([ids0, ids1])
    global_loss = loss_fn(z, video_id=ids)
    mean_rank_loss = (rec[0]['loss'] + rec[1]['loss']) / 2
    assert float(mean_rank_loss) == pytest.approx(float(global_loss),
                                                  abs=1e-5)
    assert abs(float(loss_fn(z)) - float(global_loss)) > 1e-3
    for r, (z, ids) in enumerate(((z0, ids0), (z1, ids1))):
        local = loss_fn(z, video_id=ids)
        assert abs(float(local) - float(rec[r]['loss'])) > 1e-3

    # one model on both ranks, checkpoints from rank 0 only
    digests = {
        open(osp.join(root, 'digest', f'rank{r}.txt')).read()
        for r in range(2)
    }
    assert len(digests) == 1, digests
    with open(osp.join(root, 'saves.txt')) as f:
        assert f.read().split() == ['0', 'iter_2.pth']
    (records, ) = read_scalars(work_dir)
    assert sorted(losses_by_iter(records)) == [1, 2]


MAX_ITERS, INTERVAL, KILL_AT, WARMUP = 12, 4, 10, 12


@pytest.mark.slow
def test_sigkill_then_resume_matches_uninterrupted_run(demo, tmp_path):
    root = str(tmp_path)
    cfg = make_vicmae_setup(
        root, demo, max_iters=MAX_ITERS, ckpt_interval=INTERVAL,
        warmup_iters=WARMUP)
    runs = kill_then_resume(cfg, root, KILL_AT)
    killed_dir, full_dir = runs['killed_dir'], runs['full_dir']
    # the last checkpoint after the kill is iteration 8: 2 iterations lost
    resume_at = KILL_AT // INTERVAL * INTERVAL
    ckpt = osp.join(killed_dir, f'iter_{resume_at}.pth')
    assert runs['after_kill'] == ckpt
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert state['meta']['iter'] == resume_at
    assert state['optimizer']['state']  # AdamW moments saved
    assert len(state['param_schedulers']) == 2
    resumed = runs['resumed']
    assert f'resumed epoch: 0, iter: {resume_at}' in (resumed.stdout +
                                                      resumed.stderr)
    (reference, ) = read_scalars(full_dir)
    first, after = read_scalars(killed_dir)
    assert sorted(losses_by_iter(first)) == list(range(1, KILL_AT + 1))
    after_iters = list(range(resume_at + 1, MAX_ITERS + 1))
    assert sorted(losses_by_iter(after)) == after_iters
    for key, tol in (('loss', dict(abs=1e-5)),
                     ('loss_recon', dict(abs=1e-5)),
                     ('raw_contrast', dict(abs=1e-5)),
                     ('lr', dict(rel=1e-6)),
                     ('contrast_weight', dict(abs=1e-9))):
        ref, got = losses_by_iter(reference, key), losses_by_iter(after, key)
        for it in after_iters:
            assert got[it] == pytest.approx(ref[it], **tol), (key, it)
    # the contrastive weight continued its warm-up from iteration 8
    weights = losses_by_iter(after, 'contrast_weight')
    for it in after_iters:
        assert weights[it] == pytest.approx(0.03 * (it - 1) / WARMUP,
                                            abs=1e-9)
    assert last_checkpoint(killed_dir) == osp.join(killed_dir,
                                                   f'iter_{MAX_ITERS}.pth')
