# Copyright (c) vicmae_mm contributors. All rights reserved.
"""tools/analysis/transfer_gap.py: which targets reproduce the encoder."""
import os.path as osp
import runpy

from converter_setup import ROOT


def test_transfer_gap_tiny(capsys):
    main = runpy.run_path(
        osp.join(ROOT, 'tools', 'analysis', 'transfer_gap.py'))['main']
    rows = {name: (mx, rel) for name, _, mx, rel in main(['--arch', 'tiny'])}
    exact = [
        'mmpretrain ln1 cls_token', 'mmpretrain ln1 featmap+GAP',
        'ClsTokenVideoViT avg_featmap', 'ClsTokenVideoViT cls_token'
    ]
    for name in exact:
        assert rows[name][0] < 1e-5, (name, rows[name])
    for name in ('mmpretrain ln2 avg_featmap (MAE ft)',
                 'mmaction VisionTransformer (no CLS)'):
        assert rows[name][1] > 1e-2, (name, rows[name])
    assert '| ClsTokenVideoViT cls_token' in capsys.readouterr().out
