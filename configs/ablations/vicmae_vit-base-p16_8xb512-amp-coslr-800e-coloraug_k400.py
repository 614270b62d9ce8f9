# Ablation (paper v1: colour augmentations hurt or do not help): the
# authors' code's colour augmentations after crop + flip: colour jitter
# (0.4/0.4/0.2/0.1) p0.8 and grayscale p0.2 on both frames, Gaussian blur
# on frame 1, solarize p0.2 on frame 2 (configs/_base_/datasets/
# color_augment.py).
_base_ = [
    '../vicmae_vit-b16_k400.py',
    '../_base_/datasets/color_augment.py',
]
train_pipeline = [
    dict(
        type='SampleFramePair',
        min_gap=0.5,
        max_gap=1.5,
        gap_unit='second',
        default_fps=30),
    dict(type='mmaction.RawFrameDecode'),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(
        type='PerFrameAugment',
        frames_key='img',
        transforms={{_base_.color_pipeline}},
        view_transforms={{_base_.color_view_transforms}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
