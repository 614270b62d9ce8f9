# Optional colour augmentation of the authors' code (off in the paper's
# default; the v1 ablation found it hurts or does not help), for RGB frames:
# colour jitter (0.4/0.4/0.2/0.1) p0.8 and grayscale p0.2 on every frame,
# then Gaussian blur on view 0 and solarize p0.2 on view 1. Hue goes through
# torchvision (mmcv's hue jitter overflows on numpy 2); the grayscale weights
# are in RGB order. Use after the spatial augmentation, e.g.
#   dict(type='PerFrameAugment', frames_key='img',
#        transforms=color_pipeline, view_transforms=color_view_transforms)
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
