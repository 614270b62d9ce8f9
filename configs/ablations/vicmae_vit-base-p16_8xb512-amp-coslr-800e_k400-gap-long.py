# Ablation (paper v1, frame separation: larger separation helps): frames
# 2-4 s apart instead of 0.5-1.5 s (Kinetics clips last about 10 s; shorter
# clips fall back to the largest gap they allow).
_base_ = ['../vicmae_vit-b16_k400.py']
train_pipeline = [
    dict(
        type='SampleFramePair',
        min_gap=2.0,
        max_gap=4.0,
        gap_unit='second',
        default_fps=30),
    dict(type='mmaction.RawFrameDecode'),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
