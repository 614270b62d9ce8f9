# Copyright (c) vicmae_mm contributors. All rights reserved.
"""ViC-MAE -> mmpretrain ViT: exact transfer, final-norm layouts, errors."""
import pytest
import torch
from converter_setup import (ARCH, HEAD_KEYS, encoder_features,
                             missing_unexpected)
from mmengine.registry import init_default_scope

from vicmae_mm.converters import (check_arch, describe_vit,
                                  load_state_dict_file, vicmae_to_mmpretrain)


def build_classifier(neck=None, img_size=32, **backbone):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    return MODELS.build(
        dict(type='ImageClassifier',
             neck=neck,
             backbone=dict(type='VisionTransformer',
                           arch=ARCH,
                           img_size=img_size,
                           patch_size=8,
                           **backbone),
             head=dict(type='LinearClsHead', num_classes=4, in_channels=32)))


def test_mmpretrain_exact(source):
    src, path = source
    sd, meta = vicmae_to_mmpretrain(load_state_dict_file(path), arch=None)
    assert meta['img_size'] == 32 and meta['embed_dims'] == 32
    assert meta['renamed'] == [] and meta['dropped'] == []
    heads = [
        k.split('.')[0] for k in src.state_dict()
        if not k.startswith('backbone.')
    ]
    assert meta['left_out'] == {h: heads.count(h) for h in set(heads)}
    x = torch.randn(2, 3, 32, 32)
    ref = encoder_features(src, x)
    for out_type, neck, name in (('cls_token', None, 'cls'),
                                 ('featmap', dict(type='GlobalAveragePooling'),
                                  'pooled')):
        clf = build_classifier(neck, out_type=out_type)
        assert missing_unexpected(clf, sd) == (HEAD_KEYS, [])
        clf.eval()
        with torch.no_grad():
            feat = clf.extract_feat(x)[-1]
        torch.testing.assert_close(feat, ref[name], rtol=0, atol=1e-5)


def test_final_norm_layouts(source):
    """'ln2' fits final_norm=False + avg_featmap with the pretrained norm;
    'drop' leaves that norm fresh (MAE's own fine-tuning)."""
    src, path = source
    full = load_state_dict_file(path)
    sd, meta = vicmae_to_mmpretrain(full, final_norm='ln2')
    assert meta['renamed'] == [('ln1.weight', 'ln2.weight'),
                               ('ln1.bias', 'ln2.bias')]
    assert 'not the pretraining pooled feature' in meta['notes'][0]
    clf = build_classifier(final_norm=False, out_type='avg_featmap')
    assert missing_unexpected(clf, sd) == (HEAD_KEYS, [])
    torch.testing.assert_close(clf.backbone.ln2.weight,
                               full['backbone.ln1.weight'])
    sd, meta = vicmae_to_mmpretrain(full, final_norm='drop')
    assert meta['dropped'] == ['ln1.weight', 'ln1.bias']
    assert not any('ln' in k.split('.')[1] for k in sd)
    clf = build_classifier(final_norm=False, out_type='avg_featmap')
    assert missing_unexpected(
        clf,
        sd) == (['backbone.ln2.bias', 'backbone.ln2.weight'] + HEAD_KEYS, [])
    with pytest.raises(ValueError, match="final_norm must be one of"):
        vicmae_to_mmpretrain(full, final_norm='norm')
    no_norm = {
        k: v
        for k, v in full.items() if not k.startswith('backbone.ln1.')
    }
    with pytest.raises(ValueError, match="needs the final norm 'ln1"):
        vicmae_to_mmpretrain(no_norm, final_norm='ln2')


def test_full_checkpoint_loads_with_prefix(source):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    src, path = source
    vit = MODELS.build(
        dict(type='VisionTransformer',
             arch=ARCH,
             img_size=32,
             patch_size=8,
             out_type='raw',
             init_cfg=dict(type='Pretrained',
                           checkpoint=path,
                           prefix='backbone.')))
    vit.init_weights()
    vit.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(vit(x)[0], src.backbone(x, mask=None)[0])


def test_pos_embed_resize_and_arch_check(source):
    _, path = source
    sd, meta = vicmae_to_mmpretrain(load_state_dict_file(path), img_size=48)
    assert meta['img_size'] == 48
    assert sd['backbone.pos_embed'].shape == (1, 1 + 36, 32)
    clf = build_classifier(img_size=48)
    assert missing_unexpected(clf, sd) == (HEAD_KEYS, [])
    with pytest.raises(ValueError, match='multiple of the patch size'):
        vicmae_to_mmpretrain(load_state_dict_file(path), img_size=50)
    # a ViT-L/16-shaped encoder (only the shapes the detection reads)
    large = {
        'pos_embed': torch.zeros(1, 197, 1024),
        'patch_embed.projection.weight': torch.zeros(1024, 3, 16, 16)
    }
    large.update({f'layers.{i}.ln1.weight': torch.zeros(1) for i in range(24)})
    assert describe_vit(large)['arch'] == 'l'
    with pytest.raises(ValueError,
                       match=r'looks like ViT-L/16 \(1024 dims, '
                       r'24 layers\) but --arch b was asked'):
        check_arch(large, 'b')
    with pytest.raises(ValueError, match='custom ViT/8'):
        vicmae_to_mmpretrain(load_state_dict_file(path), arch='b')


def test_bad_files(tmp_path):
    text = tmp_path / 'notes.txt'
    text.write_text('not a checkpoint')
    with pytest.raises(ValueError, match='not a loadable PyTorch checkpoint'):
        load_state_dict_file(str(text))
    lst = tmp_path / 'list.pth'
    torch.save([1, 2], str(lst))
    with pytest.raises(ValueError, match='holds a list'):
        load_state_dict_file(str(lst))
    with pytest.raises(FileNotFoundError):
        load_state_dict_file(str(tmp_path / 'absent.pth'))
    resnet = tmp_path / 'resnet.pth'
    torch.save({'conv1.weight': torch.zeros(2)}, str(resnet))
    with pytest.raises(ValueError, match='no mmpretrain ViT encoder'):
        vicmae_to_mmpretrain(load_state_dict_file(str(resnet)))
