# ImageNet-1k: each image gives two independently augmented views (the image
# "pair"). cv2 loads BGR; ImageToFrames(to_rgb=True) converts so the same
# to_rgb=False preprocessor serves image and video data.
_base_ = ['./color_augment.py']

dataset_type = 'ImagePairDataset'
data_root = 'data/imagenet/'
crop_size = 224

data_preprocessor = dict(
    type='FramePairDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=False)

view_pipeline = [
    dict(
        type='RandomResizedCrop',
        scale=crop_size,
        crop_ratio_range=(0.08, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
]
# Optional colour augmentation of the authors' code (off in the paper's
# default): color_pipeline / color_view_transforms from ./color_augment.py,
# as a second PerFrameAugment(frames_key='img', ...) after the spatial one.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ImageToFrames', num_frames=2, to_rgb=True),
    dict(type='PerFrameAugment', transforms=view_pipeline),
    dict(type='PackFramePairs', num_frames=2),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    # equal batches on every rank (the contrastive gather needs them) and
    # no size-1 batch for the projector BatchNorm
    drop_last=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='repeat_default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        with_label=False,
        pipeline=train_pipeline))

custom_hooks = [dict(type='BadSampleCounterHook')]
