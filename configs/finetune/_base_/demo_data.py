# Pieces for the tiny CPU variants (configs/finetune/demo/): the demo set of
# tools/data/make_demo_dataset.py (--out data/vicmae_demo), 32 px inputs and
# a 2-layer 32-dim ViT with 8 px patches. Names are prefixed `demo_` so this
# file can sit next to a full config in a `_base_` list.
demo_root = 'data/vicmae_demo/'
demo_num_classes = 4
demo_vit = dict(_delete_=True, embed_dims=32, num_layers=2, num_heads=2,
                feedforward_channels=64)

demo_image_pipelines = dict(
    train=[
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=32, backend='pillow',
             interpolation='bicubic'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackInputs'),
    ],
    test=[
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=36, edge='short', backend='pillow',
             interpolation='bicubic'),
        dict(type='CenterCrop', crop_size=32),
        dict(type='PackInputs'),
    ])
# whole datasets; `_delete_` replaces the full config's dataset when used as
# `dataset={{_base_.demo_image_train}}`
demo_image_train = dict(
    _delete_=True, type='CustomDataset', data_root=demo_root + 'images',
    data_prefix='train', pipeline=demo_image_pipelines['train'])
demo_image_val = dict(
    _delete_=True, type='CustomDataset', data_root=demo_root + 'images',
    data_prefix='val', pipeline=demo_image_pipelines['test'])
# a separate copy: merging consumes `_delete_`, so each use needs its own dict
demo_image_test = dict(demo_image_val)


def _video_pipelines(fmt):
    """4 frames, stride 2; test 2 clips x 3 crops; ends in FormatShape."""
    def sample(num_clips, test_mode):
        return dict(type='SampleFrames', clip_len=4, frame_interval=2,
                    num_clips=num_clips, test_mode=test_mode)

    head = [dict(type='DecordInit')]
    tail = [dict(type='FormatShape', input_format=fmt),
            dict(type='PackActionInputs')]
    return dict(
        train=head + [
            sample(1, False), dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 40)),
            dict(type='RandomResizedCrop'),
            dict(type='Resize', scale=(32, 32), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5)
        ] + tail,
        test=head + [
            sample(2, True), dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 32)),
            dict(type='ThreeCrop', crop_size=32)
        ] + tail)


demo_video_pipelines = {f: _video_pipelines(f) for f in ('NCHW', 'NCTHW')}
demo_video_ann = dict(train=demo_root + 'videos_train.txt',
                      val=demo_root + 'videos_val.txt')
demo_video_prefix = dict(video=demo_root + 'videos')
