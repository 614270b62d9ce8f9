# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The pre-training configs state the paper's recipe and the batch and
schedule their names promise, and every config under ``configs/`` is run by
a test (directly or as the parent of a config that is run): by
test_pretrain_configs.py or test_transfer_configs.py."""
import ast
import glob
import os.path as osp
import re

import pytest
import test_pretrain_configs as pretrain
import test_transfer_configs as transfer
from mmengine.config import Config

CFG_DIR, PRETRAIN, DEMO = pretrain.CFG_DIR, pretrain.PRETRAIN, pretrain.DEMO
# the paper-size recipes (not the CPU demos nor the learning-check runs)
FULL_SIZE = [
    p for p in PRETRAIN if 'demo' not in p and 'learning_check' not in p
]
FLAGSHIP = 'vicmae_vit-b16_k400.py'  # the one name users know
_walk = pretrain._walk


def _pairs_per_gpu(cfg):
    # one pair per sample unless SampleFramePair packs K (shards: K = 1)
    return cfg.train_dataloader.batch_size * max(
        (t.get('num_pairs', 1) for t in _walk(cfg.train_dataloader)
         if t.get('type') == 'SampleFramePair'), default=1)


@pytest.mark.parametrize('path', FULL_SIZE, ids=osp.basename)
def test_full_size_recipe(path):
    """The paper's recipe (method document, section 2) at full size."""
    cfg = Config.fromfile(path)
    m = cfg.model
    assert cfg.default_scope == 'mmpretrain'
    assert m.backbone.img_size == cfg.crop_size == 224
    assert m.backbone.mask_ratio == 0.5 and m.backbone.patch_size == 16
    assert (m.recon_weight, m.contrast_weight) == (0.97, 0.03)
    crops = [
        t for t in _walk(cfg.train_dataloader)
        if t.get('type') == 'RandomResizedCrop'
    ]
    assert crops and all(t.scale == 224 and t.crop_ratio_range == (0.08, 1.0)
                         for t in crops)
    # 8 GPUs x 512 pairs = 4096, the auto-scale-lr base
    pairs_per_gpu = _pairs_per_gpu(cfg)
    assert pairs_per_gpu == 512
    assert cfg.auto_scale_lr.base_batch_size * (
        pairs_per_gpu // cfg.train_dataloader.batch_size) == 4096
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(1.5e-4 * 16)
    assert cfg.optim_wrapper.constructor == \
        'CompileSafeOptimWrapperConstructor'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.train_cfg.max_epochs == 800
    assert cfg.resume is True and cfg.compile is False
    ckpt = cfg.default_hooks.checkpoint
    assert (ckpt.interval, ckpt.by_epoch, ckpt.max_keep_ckpts) == (1, True, 3)
    hooks = {h.type: h for h in cfg.custom_hooks}
    assert set(hooks) == {'ContrastWeightHook', 'BadSampleCounterHook'}
    weight = hooks['ContrastWeightHook']
    assert (weight.final, weight.warmup,
            weight.warmup_epochs) == (0.03, 'cosine', 40)


@pytest.mark.parametrize(
    'path', [p for p in PRETRAIN if not p.endswith(FLAGSHIP)],
    ids=osp.basename)
def test_name_states_batch_and_schedule(path):
    """``{algorithm}_{backbone}_{N}xb{B}-{schedule}_{data}.py``: B pairs per
    GPU, N GPUs (the global batch the lr is set for), epochs (``Ne``) or
    iterations (``Ni``) and AMP."""
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    match = re.search(r'_(\d+)xb(\d+)-([a-z-]*?)-?(\d+)([ei])[-_]', name)
    assert match, f'{name}: no _NxbB-...-Ee_ or -Ni_ field'
    gpus, batch, schedule, length, unit = match.groups()
    assert int(batch) == _pairs_per_gpu(cfg)
    assert int(gpus) * int(batch) == cfg.auto_scale_lr.base_batch_size * (
        _pairs_per_gpu(cfg) // cfg.train_dataloader.batch_size)
    assert int(length) == (cfg.train_cfg.max_epochs
                           if unit == 'e' else cfg.train_cfg.max_iters)
    assert ('amp' in schedule.split('-')) == (
        cfg.optim_wrapper.type == 'AmpOptimWrapper')


def _parametrized(test_fn):
    """The config paths pytest runs ``test_fn`` with."""
    return {
        osp.abspath(p)
        for mark in getattr(test_fn, 'pytestmark', [])
        if mark.name == 'parametrize' for p in mark.args[1]
    }


def _ancestors(path):
    """Every ``_base_`` file ``path`` inherits, recursively."""
    tree = ast.parse(open(path).read())
    bases = [
        ast.literal_eval(node.value) for node in tree.body
        if isinstance(node, ast.Assign)
        and getattr(node.targets[0], 'id', None) == '_base_'
    ]
    bases = [
        b for base in bases
        for b in ([base] if isinstance(base, str) else base)
    ]
    found = set()
    for base in bases:
        base = osp.abspath(osp.join(osp.dirname(path), base))
        found |= {base} | _ancestors(base)
    return found


def test_every_config_is_run():
    """Each config under configs/ (``_base_`` folders hold fragments) is run
    by test_pretrain_configs.py or test_transfer_configs.py, or is the parent
    of one that is (the full-size fine-tune configs of the demo variants)."""
    trains = pretrain.test_config_builds_model_and_trains_two_iters
    run = _parametrized(trains) | _parametrized(
        transfer.test_demo_config_trains_and_tests)
    covered = run.union(*(_ancestors(p) for p in run))
    everything = {
        osp.abspath(p)
        for p in glob.glob(osp.join(CFG_DIR, '**', '*.py'), recursive=True)
        if '_base_' not in p.split(osp.sep)
    }
    uncovered = {osp.relpath(p, CFG_DIR) for p in everything - covered}
    assert not uncovered, f'configs not run by any test: {sorted(uncovered)}'
    assert len(run) >= 17 and osp.join(CFG_DIR, DEMO) in run
