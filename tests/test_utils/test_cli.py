# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The flags of tools/train.py and tools/test.py applied to configs (the
runs themselves are in tests/test_tools)."""
import argparse
import os.path as osp

import pytest
from mmengine.config import Config

from vicmae_mm.utils import cli

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs', 'vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py')
IMAGES = osp.join(ROOT, 'configs', 'finetune', 'demo',
                  'vicmae_vit-tiny-p8_ld065_demo-images.py')
VIDEOS = osp.join(ROOT, 'configs', 'finetune', 'demo',
                  'vicmae_vit-tiny-p8_frames-4x2x1_demo-videos.py')


def _train_args(*argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('--resume', nargs='?', const='auto')
    for flag in ('--amp', '--no-validate', '--auto-scale-lr',
                 '--no-persistent-workers'):
        parser.add_argument(flag, action='store_true')
    cli.add_common_args(parser)
    return cli.parse(parser, argv)


def test_train_flags():
    args = _train_args(DEMO, '--resume', '--auto-scale-lr',
                       '--no-persistent-workers', '--local-rank', '1',
                       '--cfg-options', 'train_dataloader.batch_size=3')
    assert args.local_rank == 1
    cfg = cli.merge_train_args(Config.fromfile(DEMO), args)
    assert (cfg.resume, cfg.load_from) == (True, None)
    assert cfg.auto_scale_lr.enable is True
    assert cfg.work_dir == './work_dirs/' + osp.basename(DEMO)[:-3]
    loader = cfg.train_dataloader
    assert loader.batch_size == 3 and loader.persistent_workers is False
    assert loader.collate_fn.type == 'repeat_default_collate'
    cfg = cli.merge_train_args(
        Config.fromfile(DEMO),
        _train_args(DEMO, '--resume', 'x.pth', '--work-dir', 'w'))
    assert (cfg.resume, cfg.load_from, cfg.work_dir) == (True, 'x.pth', 'w')
    cfg = Config.fromfile(DEMO)
    cfg.auto_scale_lr = None
    with pytest.raises(RuntimeError, match='--auto-scale-lr needs'):
        cli.merge_train_args(cfg, _train_args(DEMO, '--auto-scale-lr'))


def test_collate_follows_the_pipeline_and_scope():
    args = _train_args(DEMO, '--no-pin-memory')
    # a PackFramePairs pipeline without a collate gets the flattening one
    cfg = Config.fromfile(DEMO)
    cfg.train_dataloader.pop('collate_fn')
    cli.merge_train_args(cfg, args)
    assert cfg.train_dataloader.collate_fn.type == 'repeat_default_collate'
    assert cfg.train_dataloader.pin_memory is False
    # ... and a wrong one is refused, naming the loader
    cfg = Config.fromfile(DEMO)
    cfg.train_dataloader.collate_fn = dict(type='default_collate')
    with pytest.raises(ValueError, match='train_dataloader: PackFramePairs'):
        cli.merge_train_args(cfg, args)
    # mmpretrain configs get default_collate, as mmpretrain's tools inject
    cfg = Config.fromfile(IMAGES)
    cfg.test_dataloader.pop('collate_fn', None)
    cli.merge_common_args(cfg, _train_args(IMAGES))
    assert cfg.test_dataloader.collate_fn.type == 'default_collate'
    # mmaction2 configs keep mmengine's pseudo_collate (pitfall 4)
    cfg = Config.fromfile(VIDEOS)
    cfg.test_dataloader.pop('collate_fn', None)
    cli.merge_common_args(cfg, _train_args(VIDEOS))
    assert 'collate_fn' not in cfg.test_dataloader


def _test_args(*argv):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'vicmae_test_tool', osp.join(ROOT, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.parse_args(argv)


def test_test_flags_set_up_hooks_tta_and_dump():
    args = _test_args(IMAGES, 'c.pth', '--show-dir', 'vis', '--interval', '3',
                      '--wait-time', '0.5', '--dump', 'p.pkl')
    cfg = cli.merge_test_args(Config.fromfile(IMAGES), args)
    assert cfg.load_from == 'c.pth'
    vis = cfg.default_hooks.visualization
    assert vis == dict(
        type='VisualizationHook',
        enable=True,
        show=False,
        wait_time=0.5,
        out_dir='vis',
        interval=3)
    assert cfg.test_evaluator[-1] == dict(
        type='DumpResults', out_file_path='p.pkl')
    cfg = cli.merge_test_args(
        Config.fromfile(IMAGES), _test_args(IMAGES, 'c.pth', '--tta'))
    assert cfg.model.type == 'mmpretrain.AverageClsScoreTTA'
    assert cfg.model.module.type == 'ImageClassifier'
    tta = cfg.test_dataloader.dataset.pipeline[-1]
    assert tta.type == 'TestTimeAug' and tta.transforms[1] == [
        dict(type='PackInputs')
    ]
    # video configs get the multi-view hook (mmaction2's cannot draw)
    cfg = cli.merge_test_args(
        Config.fromfile(VIDEOS), _test_args(VIDEOS, 'c.pth', '--show'))
    assert cfg.default_hooks.visualization.type == 'VideoVisualizationHook'
