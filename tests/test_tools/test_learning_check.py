# Copyright (c) vicmae_mm contributors. All rights reserved.
"""learning_check.py in its tiny mode, and the verdict it prints."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from vicmae_mm.evaluation import learning_check as lc
from vicmae_mm.evaluation.feature_probe import PixelFeatures

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools/analysis/learning_check.py')


def _load_tool():
    spec = importlib.util.spec_from_file_location('learning_check', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_tiny_learning_check(tmp_path, capsys):
    tool = _load_tool()
    res = tool.main(['--tiny', '--work-dir', str(tmp_path), '--seeds', '0',
                     '1', '--jobs', '2'])
    out = capsys.readouterr().out
    assert '| random init |' in out and '| ViC-MAE (0.97 / 0.03' in out
    assert json.loads(out.strip().splitlines()[-1])['iters'] == 3
    assert 'learning check: ' + res['verdict']['status'] in out
    assert res['verdict']['status'] in ('PASS', 'PASS (ViC-MAE only)',
                                        'FAIL')
    runs = {(r['variant'], r['seed']): r for r in res['runs']}
    assert set(runs) == {(v, s) for v in tool.VARIANTS for s in (0, 1)}
    assert runs['random', 0]['iters'] == 0
    for s in (0, 1):
        assert runs['mae', s]['iters'] == runs['vicmae', s]['iters'] == 3
        # the variants differ by their contrastive weight only
        assert runs['mae', s]['contrast_weight'] == 0.0
        assert runs['vicmae', s]['contrast_weight'] == 0.03
        assert runs['contrast', s]['contrast_weight'] == 1.0
        # the Runner wrote each trained variant's final checkpoint
        assert osp.isfile(runs['vicmae', s]['checkpoint'])
    for r in res['runs']:  # 40 train and 40 held-out digits probed
        assert r['num_train'] == r['num_test'] == 40
        assert 0 <= r['knn_top1'] <= 100 and 0 <= r['logreg_top1'] <= 100
    # same seed, same data, same init: MAE-only and ViC-MAE differ
    assert runs['mae', 0]['raw_recon'] != runs['vicmae', 0]['raw_recon']
    # seeds differ
    assert runs['random', 0]['knn_top1'] != runs['random', 1][
        'knn_top1'] or runs['mae', 0]['raw_recon'] != runs['mae', 1][
            'raw_recon']
    assert [b['variant'] for b in res['baselines']] == ['pixels', 'edges']
    assert res['table']['vicmae']['n'] == 2
    assert '| ref: edge magnitudes |' in out


def _table(**means):
    return {
        v: dict(n=3, knn_top1=m, knn_top1_sd=1.0, logreg_top1=m,
                logreg_top1_sd=1.0)
        for v, m in means.items()
    }


def test_verdict():
    assert lc.verdict(_table(random=10, mae=13, vicmae=16))['status'] == \
        'PASS'
    # MAE-only within the noise of random init: ViC-MAE still separated
    assert lc.verdict(_table(random=10, mae=11, vicmae=16))['status'] == \
        'PASS (ViC-MAE only)'
    assert lc.verdict(_table(random=10, mae=13, vicmae=14.5))['status'] == \
        'FAIL'
    one_seed = _table(random=10, mae=13, vicmae=16)
    one_seed['mae']['n'] = 1
    assert lc.verdict(one_seed)['status'] == 'n/a'


def test_set_iters_scales_schedules():
    tool = _load_tool()
    cfg = Config.fromfile(tool.CONFIG)
    tool.set_iters(cfg, 90)
    assert cfg.train_cfg.max_iters == 90
    assert cfg.param_scheduler[0].end == 9
    assert cfg.param_scheduler[1].T_max == 81
    assert cfg.param_scheduler[1].end == 90
    weight = [h for h in cfg.custom_hooks
              if h.type == 'ContrastWeightHook'][0]
    assert weight.warmup_iters == 4 and weight.final == 0.03


def test_variant_cfg_needs_contrast_weight_hook(tmp_path):
    tool = _load_tool()
    cfg = Config.fromfile(tool.CONFIG)
    cfg.custom_hooks = []
    with pytest.raises(KeyError, match='ContrastWeightHook'):
        lc.variant_cfg(cfg, 'mae', 0, str(tmp_path))


def test_pixel_features():
    x = torch.rand(2, 3, 8, 8)
    assert PixelFeatures('pixels').extract_feat(x)[0].shape == (2, 192)
    edges = PixelFeatures('edges').extract_feat(x)[0]
    assert edges.shape == (2, 2 * 8 * 7)
    # colour-invariant up to contrast: a constant shift changes nothing
    torch.testing.assert_close(
        PixelFeatures('edges').extract_feat(x + 0.5)[0], edges)
    with pytest.raises(ValueError, match='kind'):
        PixelFeatures('hog')
