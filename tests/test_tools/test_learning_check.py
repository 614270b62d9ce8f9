# Copyright (c) vicmae_mm contributors. All rights reserved.
"""learning_check.py in its tiny mode: three variants, probe, JSON."""
import importlib.util
import os.path as osp

import pytest
import torch

from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.evaluation.feature_probe import PixelFeatures

register_all_modules(init_default_scope=True)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools/analysis/learning_check.py')


def _load_tool():
    spec = importlib.util.spec_from_file_location('learning_check', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tiny_learning_check(tmp_path, capsys):
    tool = _load_tool()
    res = tool.main(['--tiny', '--work-dir', str(tmp_path), '--iters', '3'])
    out = capsys.readouterr().out
    assert '| random init |' in out and '| ViC-MAE |' in out
    assert out.strip().splitlines()[-1].startswith('{"iters": 3')
    runs = {r['variant']: r for r in res['runs']}
    assert set(runs) == {'random', 'mae', 'vicmae'}
    assert runs['random']['iters'] == 0
    assert runs['mae']['iters'] == runs['vicmae']['iters'] == 3
    # MAE-only really trains without the contrastive term
    assert runs['mae']['contrast_weight'] == 0.0
    assert runs['vicmae']['contrast_weight'] == 0.03
    for r in runs.values():
        assert 0 <= r['knn_top1'] <= 100 and 0 <= r['logreg_top1'] <= 100
        assert r['num_train'] == r['num_test'] == 16  # 4 classes x 4
    # the Runner wrote the final checkpoint of each trained variant
    assert osp.isfile(runs['vicmae']['checkpoint'])
    # same seed, same data, same init: the two runs differ only by w_c
    assert runs['mae']['raw_recon'] != runs['vicmae']['raw_recon']
    # encoder-free references, same probe and images
    assert [b['variant'] for b in res['baselines']] == ['pixels', 'edges']
    for b in res['baselines']:
        assert b['num_train'] == 16 and 0 <= b['knn_top1'] <= 100
    assert '| ref: edge magnitudes |' in out and res['pool'] == 'mean'


def test_cls_pool_and_no_baselines(tmp_path):
    tool = _load_tool()
    res = tool.main(['--tiny', '--work-dir', str(tmp_path), '--variants',
                     'random', '--pool', 'cls', '--no-baselines'])
    assert res['pool'] == 'cls' and res['baselines'] == []
    assert [r['variant'] for r in res['runs']] == ['random']


def test_pixel_features():
    tool = _load_tool()
    x = torch.rand(2, 3, 8, 8)
    assert PixelFeatures('pixels').extract_feat(x)[0].shape == (2, 192)
    edges = PixelFeatures('edges').extract_feat(x)[0]
    assert edges.shape == (2, 2 * 8 * 7)
    # colour-invariant up to contrast: a constant shift changes nothing
    torch.testing.assert_close(
        PixelFeatures('edges').extract_feat(x + 0.5)[0], edges)
    with pytest.raises(ValueError, match='kind'):
        PixelFeatures('hog')
