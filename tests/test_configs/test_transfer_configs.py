# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Every fine-tune / probe config builds, trains 2 iterations and tests one
step on the demo data, starting from a converted ViC-MAE checkpoint; the
full-size configs get 0.65^k layer-wise lr multipliers."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config, ConfigDict
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import vicmae_mm  # noqa: F401
from vicmae_mm.converters import convert_for_config, save_converted
from vicmae_mm.datasets.demo import make_demo_dataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join(ROOT, 'configs', 'finetune')
DEMOS = sorted(glob.glob(osp.join(CFG_DIR, 'demo', '*.py')))
FULL = sorted(glob.glob(osp.join(CFG_DIR, '*.py')))


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('transfer')
    data = str(tmp / 'demo')
    make_demo_dataset(data, videos_per_class=2, val_videos_per_class=1,
                      images_per_class=2, val_images_per_class=1,
                      video_size=40, num_frames=20, image_size=40)
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    enc = MODELS.build(dict(
        type='VicMAEViT', img_size=32, patch_size=8,
        arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                  feedforward_channels=64)))
    enc.init_weights()
    full = {'backbone.' + k: v for k, v in enc.state_dict().items()}
    ckpts = {}
    for path in DEMOS:  # the layout each config needs, checked
        ckpts[path] = str(tmp / (osp.basename(path) + '.pth'))
        save_converted(*convert_for_config(full, path), ckpts[path])
    return data + '/', ckpts, tmp


def _retarget(obj, old, new):
    if isinstance(obj, (dict, ConfigDict)):
        return type(obj)({k: _retarget(v, old, new) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_retarget(v, old, new) for v in obj]
    if isinstance(obj, str) and obj.startswith(old):
        return new + obj[len(old):]
    return obj


def test_every_config_has_a_demo():
    assert len(FULL) == 5 and len(DEMOS) == 5
    for demo in DEMOS:
        assert Config.fromfile(demo).model.backbone.init_cfg.prefix == \
            'backbone.'


@pytest.mark.slow
@pytest.mark.parametrize('path', DEMOS, ids=osp.basename)
def test_demo_config_trains_and_tests(path, assets):
    data, ckpts, tmp = assets
    cfg = Config.fromfile(path)
    video = cfg.default_scope == 'mmaction'
    for key in ('train_dataloader', 'test_dataloader'):
        cfg[key] = _retarget(cfg[key], 'data/vicmae_demo/', data)
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.dataset.indices = 4  # 2 iterations
    # 1 test step (Recognizer3D's max_testing_views needs batch size 1)
    cfg.test_dataloader.batch_size = 1 if video else 2
    cfg.test_dataloader.dataset.indices = cfg.test_dataloader.batch_size
    cfg.merge_from_dict({
        'work_dir': str(tmp / osp.basename(path)),
        'train_cfg.max_epochs': 1,
        'default_hooks.checkpoint.interval': 100,
        'model.backbone.init_cfg.checkpoint': ckpts[path],
    })
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if video:  # ActionDataPreprocessor needs pseudo_collate (pitfall 4)
        assert cfg.train_dataloader.collate_fn.type == 'pseudo_collate'
    runner = Runner.from_cfg(cfg)
    if 'meanpool' in path:  # the classifier sees the mean of patch tokens
        assert runner.model.backbone.out_type == 'featmap'
        assert type(runner.model.neck).__name__ == 'GlobalAveragePooling'
    runner.train()
    assert runner.iter == 2
    metrics = runner.test()
    keys = (['acc/top1', 'acc/top2', 'acc/mean1'] if video else
            ['accuracy/top1', 'accuracy/top2'])
    assert all(k in metrics for k in keys), metrics


def test_meanpool_demo_is_the_cls_demo_with_mean_pooling():
    """The mean-pool demo inherits the full mean-pool config (so training it
    runs that config) and is otherwise the CLS demo, key for key."""
    demo = osp.join(CFG_DIR, 'demo', 'vicmae_vit-tiny-p8_ld065_demo-images')
    cls, mean = (Config.fromfile(demo + s).to_dict()
                 for s in ('.py', '-meanpool.py'))
    assert mean['model'].pop('neck') == dict(type='GlobalAveragePooling')
    assert mean['model']['backbone'].pop('out_type') == 'featmap'
    assert cls['model']['backbone'].pop('out_type') == 'cls_token'
    assert mean == cls


@pytest.mark.parametrize(
    'name', [osp.basename(p) for p in FULL if 'linear' not in p])
def test_layer_decay_groups(name):
    cfg = Config.fromfile(osp.join(CFG_DIR, name))
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg = None
    if cfg.default_scope == 'mmaction':
        from mmaction.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr = cfg.optim_wrapper.optimizer.lr
    depth_lr = {}
    for group in optim.optimizer.param_groups:
        depth_lr.setdefault(group['layer_id'], set()).add(group['lr'])
    # ViT-B: stem (0), 12 blocks (1..12), final norm + head (13)
    assert sorted(depth_lr) == list(range(14))
    for depth, lrs in depth_lr.items():
        assert len(lrs) == 1
        assert lrs.pop() == pytest.approx(base_lr * 0.65**(13 - depth))
    names = {g['param_name']: g for g in optim.optimizer.param_groups}
    block = next(n for n in names if '.5.' in n and n.endswith('weight'))
    assert names[block]['layer_id'] == 6


def test_linear_probe_freezes_encoder():
    cfg = Config.fromfile(
        osp.join(CFG_DIR, 'vicmae_vit-base-p16_8xb2048-linear-100e_in1k.py'))
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ['head.fc.weight', 'head.fc.bias']
    assert model.backbone.out_type == 'featmap'  # + GAP: mean-pooled tokens
    # MAE's probe: BatchNorm without affine parameters before the classifier
    bn = model.neck[1].bn
    assert not bn.affine and bn.num_features == 768
