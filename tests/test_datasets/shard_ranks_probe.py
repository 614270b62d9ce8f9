# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Run by test_shard_dataset.py under torchrun (2 processes, gloo).

Not a test module. Each rank builds the shard dataset, the sampler and a
DataLoader with 2 workers as the Runner would, reads two epochs and writes
``<out>/rank<r>.json``: per epoch the (worker id, sample key) pairs read.
Usage: ``torchrun --nproc_per_node=2 shard_ranks_probe.py SHARD_DIR OUT``.
"""
import json
import os.path as osp
import sys

import torch.distributed as dist
from mmpretrain.registry import DATA_SAMPLERS, DATASETS
from mmpretrain.utils import register_all_modules
from torch.utils.data import DataLoader, get_worker_info

import vicmae_mm  # noqa: F401


class Probe:
    """Who read which sample: (worker id, shard:key)."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, idx):
        info = self.dataset.get_data_info(idx)
        self.dataset[idx]  # really read and decode it
        return get_worker_info().id, f'{info["shard"]}:{info["key"]}'


def main(shard_dir, out):
    dist.init_process_group('gloo')
    register_all_modules(init_default_scope=True)
    dataset = DATASETS.build(
        dict(
            type='FramePairShardDataset',
            data_root=shard_dir,
            pipeline=[
                dict(type='LoadShardFramePair'),
                dict(type='PerFrameAugment'),
                dict(type='PackFramePairs')
            ]))
    sampler = DATA_SAMPLERS.build(
        dict(
            type='ShardAwareSampler',
            dataset=dataset,
            batch_size=4,
            num_workers=2))
    loader = DataLoader(
        Probe(dataset),
        batch_size=4,
        sampler=sampler,
        num_workers=2,
        collate_fn=lambda batch: batch,
        persistent_workers=True)
    epochs = []
    for epoch in range(2):
        sampler.set_epoch(epoch)
        epochs.append([item for batch in loader for item in batch])
    with open(osp.join(out, f'rank{dist.get_rank()}.json'), 'w') as f:
        json.dump(dict(epochs=epochs, len=len(sampler)), f)
    dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
