# Copyright (c) vicmae_mm contributors. All rights reserved.
import os.path as osp
import runpy

import torch
from mmengine.registry import init_default_scope

import vicmae_mm  # noqa: F401
from vicmae_mm.datasets.demo import make_demo_dataset
from vicmae_mm.evaluation.feature_probe import knn_top1, logreg_top1

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_probes_separate_clusters():
    torch.manual_seed(0)
    centers = torch.randn(3, 16) * 5
    y = torch.arange(60) % 3
    x = centers[y] + torch.randn(60, 16)
    assert knn_top1(x[:45], y[:45], x[45:], y[45:], k=5) == 100.0
    assert logreg_top1(x[:45], y[:45], x[45:], y[45:]) == 100.0
    # labels independent of the features: far from perfect
    shuffled = y[torch.randperm(60)]
    assert knn_top1(x[:45], shuffled[:45], x[45:], shuffled[45:]) < 80.0


def test_run_probe_on_demo(tmp_path):
    data = str(tmp_path / 'demo')
    make_demo_dataset(data, videos_per_class=2, val_videos_per_class=1,
                      images_per_class=2, val_images_per_class=1,
                      video_size=40, num_frames=12, image_size=40)
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    enc = MODELS.build(dict(
        type='VicMAEViT', img_size=32, patch_size=8,
        arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                  feedforward_channels=64)))
    enc.init_weights()
    ckpt = str(tmp_path / 'enc.pth')
    torch.save(dict(state_dict={'backbone.' + k: v
                                for k, v in enc.state_dict().items()}), ckpt)
    tool = runpy.run_path(osp.join(ROOT, 'tools/analysis/linear_probe.py'))
    for kw, sizes in ((dict(images=osp.join(data, 'images')), (8, 4)),
                      (dict(videos=data), (4, 4))):
        res = tool['run_probe'](ckpt, frames=2, batch_size=4, **kw)
        assert (res['num_train'], res['num_test']) == sizes
        assert 0.0 <= res['knn_top1'] <= 100.0
        assert 0.0 <= res['logreg_top1'] <= 100.0
