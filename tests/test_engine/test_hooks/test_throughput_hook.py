# Copyright (c) vicmae_mm contributors. All rights reserved.
import time
from types import SimpleNamespace

import torch
from mmengine.logging import MessageHub

from vicmae_mm.engine.hooks import ThroughputHook
from vicmae_mm.engine.hooks.throughput_hook import batch_size_of


def test_batch_size_of():
    frames = [torch.zeros(4, 3, 8, 8), torch.zeros(4, 3, 8, 8)]
    assert batch_size_of(dict(inputs=frames)) == 4
    assert batch_size_of(dict(inputs=torch.zeros(3, 2, 3, 8, 8))) == 3
    assert batch_size_of(dict(inputs=None, data_samples=[1, 2])) == 2
    assert batch_size_of([1, 2]) is None


def test_throughput_hook_logs_pairs_per_s():
    hub = MessageHub.get_instance('test_throughput_hook')
    runner = SimpleNamespace(
        message_hub=hub, train_dataloader=SimpleNamespace(batch_size=7))
    hook = ThroughputHook()
    hook.before_train_epoch(runner)
    time.sleep(0.05)
    start = time.perf_counter()
    batch = dict(inputs=[torch.zeros(4, 3, 8, 8)] * 2)
    hook.after_train_iter(runner, 0, batch)
    elapsed_max = time.perf_counter() - start + 0.05 + 0.05
    value = hub.get_scalar('train/pairs_per_s').current()
    # 4 pairs over at least 50 ms, single process
    assert 4 / elapsed_max < value <= 4 / 0.05
    # no tensor in the batch: the dataloader's batch size
    time.sleep(0.01)
    hook.after_train_iter(runner, 1, None)
    assert 0 < hub.get_scalar('train/pairs_per_s').current() <= 7 / 0.01
