# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The converter tools: what they print, ``--config`` checks, refusals."""
import os
import os.path as osp
import re
import runpy
import subprocess
import sys

import pytest
import torch
from converter_setup import (ROOT, missing_unexpected, official_state_dict,
                             package_config, tiny_vicmae)

TOOLS = osp.join(ROOT, 'tools', 'model_converters')
DEMO_ST = osp.join(
    ROOT, 'configs/finetune/demo/'
    'vicmae_vit-tiny-p8_spacetime-4x2x1_demo-videos.py')


def tool_main(name):
    return runpy.run_path(osp.join(TOOLS, name + '.py'))['main']


def test_mmpretrain_tool_prints_renames(source, tmp_path, capsys):
    _, path = source
    out = str(tmp_path / 'ln2.pth')
    tool_main('vicmae_to_mmpretrain')([path, out, '--final-norm', 'ln2'])
    text = capsys.readouterr().out
    assert 'ln1.{bias,weight} -> ln2.{bias,weight}' in text
    assert 'not part of the encoder, left out: contrast_head.*' in text
    assert 'not checked against a config' in text
    bar = re.search(r'\] (\d+)/\1, ', text)  # mmengine's progress bar
    assert bar and f'wrote {bar.group(1)} tensors' in text
    meta = torch.load(out, weights_only=True)['meta']
    assert meta['final_norm'] == 'ln2'
    with pytest.raises(SystemExit):  # --config decides the layout
        tool_main('vicmae_to_mmpretrain')(
            [path, out, '--config', DEMO_ST, '--final-norm', 'ln2'])


def test_tool_refuses_a_mismatched_upstream_config(source, tmp_path):
    """The unshrunk ViT-B MAE fine-tune config against the tiny encoder."""
    _, path = source
    cfg = package_config(
        'mmpretrain', 'mae/benchmarks/vit-base-p16_8xb128-coslr-100e_'
        'in1k.py')
    out = str(tmp_path / 'never.pth')
    with pytest.raises(SystemExit,
                       match=r'error: the converted weights do '
                       r'not load cleanly .*shape mismatch: cls_token is '
                       r'\(1, 1, 32\) here, \(1, 1, 768\) in the model'):
        tool_main('vicmae_to_mmpretrain')(
            [path, out, '--config', cfg.filename])
    assert not osp.exists(out)


def test_mmaction_tool_with_config(source, tmp_path, capsys):
    _, path = source
    out = str(tmp_path / 'st.pth')
    tool_main('vicmae_to_mmaction')([path, out, '--config', DEMO_ST])
    text = capsys.readouterr().out
    assert f'checked against {DEMO_ST} (ClsTokenVideoViT)' in text
    assert 'CLS entry folded into cls_token' in text
    assert 'layers.{0-1}.attn.qkv.bias -> blocks.{0-1}.attn.q_bias' in text
    meta = torch.load(out, weights_only=True)['meta']
    assert meta['layout'] == dict(route='spacetime',
                                  num_frames=4,
                                  tubelet_size=2,
                                  cls_token=True)
    with pytest.raises(SystemExit):
        tool_main('vicmae_to_mmaction')(
            [path, out, '--config', DEMO_ST, '--tubelet-size', '1'])
    tool_main('vicmae_to_mmaction')([path, out, '--route', 'spacetime'])
    text = capsys.readouterr().out
    assert "'tubelet_size': 2" in text and 'dropped from the encoder: ' \
        'cls_token' in text


@pytest.mark.slow
def test_official_cli(tmp_path):
    src = str(tmp_path / 'official.pth')
    torch.save(dict(model=official_state_dict(), epoch=3), src)
    dst = str(tmp_path / 'vicmae.pth')
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run([
        sys.executable, 'tools/model_converters/official_to_vicmae.py', src,
        dst, '--format', 'full'
    ],
                         cwd=ROOT,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    ckpt = torch.load(dst, weights_only=True)
    assert ckpt['meta']['unknown_keys'] == []
    assert missing_unexpected(tiny_vicmae(), ckpt['state_dict']) == ([], [])
    # a backbone format for a config, in-process
    out = str(tmp_path / 'st.pth')
    tool_main('official_to_vicmae')(
        [src, out, '--format', 'mmaction-spacetime', '--config', DEMO_ST])
    meta = torch.load(out, weights_only=True)['meta']
    assert meta['check']['backbone'] == 'ClsTokenVideoViT'
    with pytest.raises(SystemExit, match='only apply to backbone formats'):
        tool_main('official_to_vicmae')([src, out, '--config', DEMO_ST])
