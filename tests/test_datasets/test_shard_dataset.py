# Copyright (c) vicmae_mm contributors. All rights reserved.
"""FramePairShardDataset, LoadShardFramePair and ShardAwareSampler."""
import json
import os
import os.path as osp
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
from mmpretrain.registry import DATA_SAMPLERS, DATASETS

from vicmae_mm.datasets.pair_shards import write_pair_shards
from vicmae_mm.datasets.shard_io import scan_shard

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
PIPELINE = [
    dict(type='LoadShardFramePair'),
    dict(
        type='PerFrameAugment',
        transforms=[dict(type='RandomResizedCrop', scale=32)]),
    dict(type='PackFramePairs')
]


@pytest.fixture(scope='module')
def shard_dir(demo_root, tmp_path_factory):
    """8 videos x 3 pairs in shards of 3, 3 and 2 videos (9, 9, 6)."""
    out = str(tmp_path_factory.mktemp('shards'))
    videos = [(osp.join('videos',
                        ln.split()[0]), ln.split()[1], None)
              for ln in open(osp.join(demo_root, 'videos_train.txt'))]
    write_pair_shards(
        videos,
        demo_root,
        out,
        sampler=dict(min_gap=4, max_gap=16, gap_unit='frame', num_pairs=3),
        sources_per_shard=3,
        progress=False)
    return out


def _dataset(root, **kw):
    return DATASETS.build(
        dict(
            type='FramePairShardDataset',
            data_root=root,
            pipeline=PIPELINE,
            **kw))


def test_dataset_reads_pairs_in_shard_order(shard_dir):
    ds = _dataset(shard_dir)
    assert len(ds) == 24 and ds.shard_ranges() == [(0, 9), (9, 18), (18, 24)]
    sample, = ds[10]  # PackFramePairs: a list of K = 1 pairs
    assert [x.shape for x in sample['inputs']] == [(3, 32, 32)] * 2
    meta = sample['data_samples']
    assert 4 <= np.diff(meta.frame_inds)[0] <= 16
    assert meta.filename.startswith('videos/') and meta.total_frames == 48
    cls = osp.basename(meta.filename).split('_')[0]
    assert meta.gt_label.tolist() == [[
        'circle', 'square', 'triangle', 'cross'
    ].index(cls)]
    assert _dataset(shard_dir, indices=12).shard_ranges() == [(0, 9), (9, 12)]
    with pytest.raises(FileNotFoundError, match='nothing-'):
        _dataset(shard_dir, shards='nothing-*.tar')


def test_a_corrupt_member_is_skipped_named_and_counted(shard_dir, tmp_path):
    import shutil
    for f in os.listdir(shard_dir):
        shutil.copy(osp.join(shard_dir, f), tmp_path / f)
    shard = str(tmp_path / 'shard-000001.tar')
    key, members = scan_shard(shard)[4]
    offset, size = members['f1.jpg']
    with open(shard, 'r+b') as f:  # garbage over one JPEG
        f.seek(offset)
        f.write(b'\x00' * size)
    ds = _dataset(str(tmp_path))
    out, = ds[9 + 4]  # replaced by another sample, not an error
    assert len(out['inputs']) == 2
    name = f'{shard}:{key}'
    assert ds.bad_files == {name: 'corrupt'}
    assert ds.bad_sample_counts['corrupt'] == 1
    # a shard cut short: its last members are named and skipped too
    last = str(tmp_path / 'shard-000002.tar')
    with open(last, 'r+b') as f:
        f.truncate(os.path.getsize(last) // 2)
    ds = _dataset(str(tmp_path))
    for i in range(18, 24):
        ds[i]
    assert ds.bad_sample_counts['corrupt'] >= 1
    # (a replacement draw may hit the member spoiled above again)
    assert set(ds.bad_files) - {name}
    assert all(p.startswith(last + ':') for p in set(ds.bad_files) - {name})


def _ranks(dataset, world, **kw):
    out = []
    for rank in range(world):
        with mock.patch(
                'vicmae_mm.datasets.samplers.shard_aware_sampler.'
                'get_dist_info',
                return_value=(rank, world)):
            out.append(
                DATA_SAMPLERS.build(
                    dict(
                        type='ShardAwareSampler',
                        dataset=dataset,
                        seed=3,
                        **kw)))
    return out


def test_sampler_splits_the_epoch_between_ranks(shard_dir):
    ds = _dataset(shard_dir)
    for world in (1, 2, 5):
        samplers = _ranks(ds, world)
        seen = [list(s) for s in samplers]
        flat = sum(seen, [])
        assert all(len(s) == len(ds) // world for s in seen)
        assert len(flat) == len(set(flat)) == len(ds) // world * world
    # each rank reads whole shards, except at its two edges
    a, b = _ranks(ds, 2)
    shard_of = np.repeat(np.arange(3), [9, 9, 6])
    assert sum(len(set(shard_of[list(s)])) for s in (a, b)) <= 3 + 1
    # a new epoch, another order (the same on every rank)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first and len(list(a)) == len(first)


def test_sampler_gives_each_worker_a_contiguous_part(shard_dir):
    ds = _dataset(shard_dir)
    (s, ) = _ranks(ds, 1, batch_size=4, num_workers=2)
    plain = _ranks(ds, 1)[0]
    order = s.rank_indices()
    assert sorted(order) == sorted(plain.rank_indices())
    batches = [order[i:i + 4] for i in range(0, len(order), 4)]
    for worker in range(2):
        mine = np.concatenate(batches[worker::2])
        ref = plain.rank_indices()
        pos = [int(np.where(ref == i)[0][0]) for i in mine]
        assert pos == list(range(pos[0], pos[0] + len(pos)))  # contiguous


@pytest.mark.slow
def test_two_ranks_gloo_see_disjoint_samples_covering_the_epoch(
        shard_dir, tmp_path):
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        PYTHONPATH=os.pathsep.join([REPO,
                                    os.environ.get('PYTHONPATH', '')]))
    port = str(_free_port())
    proc = subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_port', port,
        osp.join(HERE, 'shard_ranks_probe.py'), shard_dir,
        str(tmp_path)
    ],
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.load(open(tmp_path / f'rank{r}.json')) for r in (0, 1)]
    assert ranks[0]['len'] == ranks[1]['len'] == 12
    for epoch in range(2):
        keys = [[k for _, k in r['epochs'][epoch]] for r in ranks]
        assert len(keys[0]) == len(keys[1]) == 12
        assert not set(keys[0]) & set(keys[1])  # disjoint
        assert len(set(keys[0]) | set(keys[1])) == 24  # the whole epoch
        for r in ranks:  # each worker read its own samples
            by_worker = {}
            for worker, key in r['epochs'][epoch]:
                by_worker.setdefault(worker, set()).add(key)
            assert set(by_worker) == {0, 1}
            assert not by_worker[0] & by_worker[1]
    assert ranks[0]['epochs'][0] != ranks[0]['epochs'][1]


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_shards_config_trains_an_iteration(tmp_path):
    """The demo-shards config trains from auto-created shards."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from vicmae_mm.datasets.demo import make_demo_dataset
    from vicmae_mm.utils.model_size import TINY_MODEL_OPTIONS
    root = str(tmp_path / 'vicmae_demo')
    make_demo_dataset(root, videos_per_class=2, val_videos_per_class=1,
                      images_per_class=1, val_images_per_class=1,
                      video_size=64, num_frames=24, rawframes=False)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs',
                 'vicmae_vit-tiny-p8_1xb32-coslr-40e_demo-shards.py'))
    cfg.merge_from_dict(TINY_MODEL_OPTIONS)
    cfg.merge_from_dict({
        'work_dir': str(tmp_path / 'work'),
        'train_dataloader.dataset.data_root': root + '/',
        'train_dataloader.batch_size': 4,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_cfg': dict(type='IterBasedTrainLoop', max_iters=1,
                          _delete_=True),
        'param_scheduler': [], 'default_hooks.checkpoint.by_epoch': False,
    })
    assert cfg.train_dataloader.dataset.pipeline[1].transforms[0].scale == 32
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    assert os.path.isfile(osp.join(root, 'shards', 'shards.json'))
    videos = open(osp.join(root, 'videos_train.txt')).read().split()[::2]
    assert len(runner.train_dataloader.dataset) == len(videos) * 4
