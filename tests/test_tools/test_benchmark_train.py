# Copyright (c) vicmae_mm contributors. All rights reserved.
"""benchmark_train.py runs with tiny settings and prints its JSON."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools/analysis/benchmark_train.py')
CFG = osp.join(ROOT, 'configs/_base_/models/vicmae_vit-small-p16.py')


def _run(*extra):
    return subprocess.run(
        [sys.executable, TOOL, CFG, '--tiny', '--device', 'cpu',
         '--threads', '1', *extra], cwd=ROOT, capture_output=True,
        text=True, timeout=120)


@pytest.mark.slow
def test_tiny_benchmark_prints_table_and_json():
    proc = _run('--batch-size', '3', '--warmup', '1', '--iters', '3',
                '--mask-ratio', '0.75', '--profile', '1')
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    res = json.loads(lines[-1])
    assert '| ViC-MAE (B pairs) |' in proc.stdout
    assert '| MAE (2B images) |' in proc.stdout
    assert '| data | forward | backward | optimizer |' in proc.stdout
    assert '8/8' in proc.stderr  # progress bar: 4 rounds x 2 models
    assert (res['batch_size'], res['img_size'], res['mask_ratio']) == (3,
                                                                        32,
                                                                        0.75)
    assert res['optimizer']['fused'] is True  # the schedule's AdamW
    for key in ('vicmae', 'mae'):
        r = res[key]
        assert r['ms_per_step'] > 0 and r['pairs_per_s'] > 0
        assert r['pairs_per_s'] == pytest.approx(3e3 / r['ms_per_step'])
        assert r['cpu_ms_per_step'] > 0 and r['peak_mem_mb'] > 0
        assert len(r['ms_steps']) == 3 and r['recompiles'] == 0
        split = r['split_ms']
        assert min(split.values()) >= 0
        # the phases add up to the step (medians: up to the spread)
        assert sum(split.values()) == pytest.approx(
            r['ms_per_step'], rel=0.5)
        assert f'torch.profiler, {tool_names()[key]}' in proc.stdout
    # same encoder and decoder: MAE lacks only the (tiny) projector
    assert 0 < res['vicmae']['params_m'] - res['mae']['params_m'] < 0.01
    assert res['ratio'] == pytest.approx(
        res['vicmae']['ms_per_step'] / res['mae']['ms_per_step'])
    assert res['ratio_cpu_time'] > 0


def tool_names():
    return _load_tool().NAMES


def _load_tool():
    spec = importlib.util.spec_from_file_location('benchmark_train', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_bad_arguments():
    tool = _load_tool()
    with pytest.raises(SystemExit):  # bf16 AMP needs CUDA
        tool.parse_args([CFG, '--device', 'cpu', '--amp'])
    with pytest.raises(SystemExit):
        tool.parse_args([CFG, '--batch-size', '0'])
    runtime = osp.join(ROOT, 'configs/_base_/default_runtime.py')
    with pytest.raises(ValueError, match='no `model`'):
        tool.load_model_cfg(tool.parse_args([runtime, '--device', 'cpu']))
    mae = tool.mae_cfg(tool.load_model_cfg(tool.parse_args(
        [CFG, '--device', 'cpu', '--mask-ratio', '0.6'])).to_dict())
    assert mae['backbone'] == dict(
        type='MAEViT', arch='deit-s', img_size=224, patch_size=16,
        mask_ratio=0.6)
    assert mae['neck']['type'] == 'MAEPretrainDecoder'
    assert mae['head']['norm_pix'] is True
    # the default command is the README's: ViT-S/16, 8 pairs, 1 thread
    args = tool.parse_args(['--device', 'cpu'])
    assert (args.config, args.batch_size, args.threads, args.iters) == (
        CFG, 8, 1, 5)
    # a compiled step gets the non-fused AdamW (see the schedule)
    assert 'fused' not in tool.optim_cfg(tool.parse_args(
        ['--device', 'cpu', '--compile']))['optimizer']
