# ImageNet-1k: each image gives two independently augmented views (the image
# "pair"). cv2 loads BGR; ImageToFrames(to_rgb=True) converts so the same
# to_rgb=False preprocessor serves image and video data.
dataset_type = 'ImagePairDataset'
data_root = 'data/imagenet/'
crop_size = 224

data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
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
# default): PerFrameAugment(transforms=view_pipeline + color_pipeline,
# view_transforms=color_view_transforms). Frames are RGB here; hue goes
# through torchvision (mmcv's hue jitter overflows on numpy 2).
color_pipeline = [
    dict(
        type='RandomApply',
        transforms=[
            dict(type='NumpyToPIL', to_rgb=False),
            dict(
                type='torchvision/ColorJitter',
                brightness=0.4,
                contrast=0.4,
                saturation=0.2,
                hue=0.1),
            dict(type='PILToNumpy', to_bgr=False),
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.2989, 0.587, 0.114)),
]
color_view_transforms = [
    [
        dict(
            type='GaussianBlur',
            magnitude_range=(0.1, 2.0),
            magnitude_std='inf',
            prob=1.0)
    ],
    [dict(type='Solarize', thr=128, prob=0.2)],
]
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
