# Copyright (c) vicmae_mm contributors. All rights reserved.
"""benchmark_gather.py: 2 gloo processes, the three gathers agree."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools/analysis'))


@pytest.mark.slow
def test_three_gathers_give_the_same_gradient(capsys):
    import benchmark_gather
    res = benchmark_gather.main(
        ['--batch', '4', '--dim', '8', '--calls', '3', '--warmup', '1'])
    for name in ('reduce_scatter', 'all_reduce', 'torch'):
        assert res[name]['same_grad'] and res[name]['ms'] > 0, name
    assert res['all_reduce_sent_mb'] == 2 * res['reduce_scatter_sent_mb']
    assert 'median of 3 interleaved calls' in capsys.readouterr().out
