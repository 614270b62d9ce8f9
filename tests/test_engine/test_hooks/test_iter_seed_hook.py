# Copyright (c) vicmae_mm contributors. All rights reserved.
import random
from types import SimpleNamespace

import numpy as np
import torch

from vicmae_mm.engine.hooks import IterSeedHook
from vicmae_mm.engine.hooks.iter_seed_hook import derive_seed


def test_derive_seed():
    assert derive_seed(3, 0, 5) == derive_seed(3, 0, 5)
    assert len({derive_seed(3, r, i) for r in range(4)
                for i in range(50)}) == 200
    assert 0 <= derive_seed(2**31, 7, 10**6) < 2**32


def _draws(hook, seed, it, epoch=0):
    runner = SimpleNamespace(seed=seed, iter=it, epoch=epoch)
    hook.before_train_epoch(runner)
    hook.before_train_iter(runner, 0)
    return (torch.rand(3).tolist(), np.random.rand(), random.random())


def test_iter_seed_hook_makes_draws_a_function_of_seed_and_iter():
    hook = IterSeedHook()
    a = _draws(hook, 1, 5)
    torch.rand(100)  # whatever happened in between does not matter
    np.random.rand(100)
    assert _draws(hook, 1, 5) == a
    assert _draws(hook, 1, 6)[0] != a[0]
    assert _draws(hook, 2, 5)[0] != a[0]
    assert _draws(hook, 1, 5, epoch=1)[1] != a[1]
    assert _draws(IterSeedHook(), None, 5)[0] == _draws(hook, 0, 5)[0]


def test_iter_seed_hook_can_be_turned_off():
    hook = IterSeedHook(reseed_iter=False, reseed_data=False)
    torch.manual_seed(0)
    np.random.seed(0)
    expected = (torch.rand(3).tolist(), np.random.rand())
    torch.manual_seed(0)
    np.random.seed(0)
    got = _draws(hook, 1, 5)
    assert got[:2] == expected
