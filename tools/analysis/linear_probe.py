# Copyright (c) vicmae_mm contributors. All rights reserved.
"""k-NN / logistic-regression probe of frozen ViC-MAE features.

Builds the encoder from the checkpoint's shapes (any ViC-MAE, converted
mmpretrain or ImageClassifier checkpoint with ``backbone.`` keys), pools the
patch tokens after the final norm (the pretraining pooling), and reports
k-NN (cosine, k=20, ``exp(s/0.07)`` weights) and logistic-regression top-1
on a labelled image folder (``<root>/{train,val}/<class>/*.jpg``) or video
list (``<root>/videos_{train,val}.txt`` + ``<root>/videos/``; frames
averaged). Prints a table and one JSON line.

Example::

    python tools/analysis/linear_probe.py work_dirs/x/epoch_10.pth \
        --images data/vicmae_demo/images
    python tools/analysis/linear_probe.py work_dirs/x/epoch_10.pth \
        --videos data/vicmae_demo --frames 4
"""
import argparse
import json
import os.path as osp
from typing import Dict, Optional

from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from vicmae_mm.evaluation.feature_probe import IMAGE_MEAN as MEAN
from vicmae_mm.evaluation.feature_probe import IMAGE_STD as STD


def build_probe_model(checkpoint: str):
    """An ``ImageClassifier`` (no head) with the checkpoint's encoder."""
    import vicmae_mm  # noqa: F401
    from mmpretrain.registry import MODELS

    from vicmae_mm.converters import (describe_vit, load_state_dict_file,
                                         vicmae_to_mmpretrain)
    sd, meta = vicmae_to_mmpretrain(load_state_dict_file(checkpoint))
    info = describe_vit({k[9:]: v for k, v in sd.items()})
    arch = dict(embed_dims=info['embed_dims'], num_layers=info['num_layers'],
                num_heads=max(1, info['embed_dims'] // 64),
                feedforward_channels=sd['backbone.layers.0.ffn.layers.0.0.'
                                        'weight'].shape[0])
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='VisionTransformer', arch=arch,
                      img_size=meta['img_size'],
                      patch_size=info['patch_size'], out_type='featmap'),
        neck=dict(type='GlobalAveragePooling')))
    model.load_state_dict(sd, strict=False)
    return model, meta['img_size']


def _loader(dataset: dict, batch_size: int, collate: str):
    return Runner.build_dataloader(dict(
        batch_size=batch_size, num_workers=0, dataset=dataset,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type=collate)))


def run_probe(checkpoint: str, images: Optional[str] = None,
              videos: Optional[str] = None, frames: int = 4,
              batch_size: int = 16, k: int = 20) -> Dict[str, float]:
    """Probe a checkpoint on an image folder or a video list (see module)."""
    from mmpretrain.registry import MODELS

    from vicmae_mm.evaluation.feature_probe import (extract_features,
                                               probe_features,
                                               probe_image_folder)
    if (images is None) == (videos is None):
        raise ValueError('give exactly one of images / videos')
    init_default_scope('mmpretrain')
    model, size = build_probe_model(checkpoint)
    if images is not None:
        return probe_image_folder(model, images, size, batch_size, k)
    # video list: a few frames per video, their features averaged
    model.data_preprocessor = MODELS.build(dict(
        type='mmaction.ActionDataPreprocessor', mean=MEAN, std=STD,
        format_shape='NCHW'))
    pipeline = [
        dict(type='mmaction.DecordInit'),
        dict(type='mmaction.SampleFrames', clip_len=1, num_clips=frames,
             test_mode=True),
        dict(type='mmaction.DecordDecode'),
        dict(type='mmaction.Resize', scale=(-1, size)),
        dict(type='mmaction.CenterCrop', crop_size=size),
        dict(type='mmaction.FormatShape', input_format='NCHW'),
        dict(type='mmaction.PackActionInputs')
    ]
    feats = {}
    for split in ('train', 'val'):
        ds = dict(type='mmaction.VideoDataset',
                  ann_file=osp.join(videos, f'videos_{split}.txt'),
                  data_prefix=dict(video=osp.join(videos, 'videos')),
                  pipeline=pipeline, test_mode=True)
        feats[split] = extract_features(
            model, _loader(ds, batch_size, 'pseudo_collate'))
    return probe_features(feats['train'], feats['val'], k=k)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--images', help='folder with train/ and val/')
    group.add_argument('--videos', help='folder with videos_{train,val}.txt')
    parser.add_argument('--frames', type=int, default=4)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--k', type=int, default=20)
    args = parser.parse_args(argv)
    res = run_probe(args.checkpoint, args.images, args.videos, args.frames,
                    args.batch_size, args.k)
    print(f'{"probe":<12}{"top-1 %":>10}')
    print(f'{"k-NN":<12}{res["knn_top1"]:>10.2f}')
    print(f'{"logreg":<12}{res["logreg_top1"]:>10.2f}')
    print(json.dumps(res))


if __name__ == '__main__':
    main()
