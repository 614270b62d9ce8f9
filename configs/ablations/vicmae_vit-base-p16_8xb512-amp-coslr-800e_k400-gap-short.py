# Ablation (paper v1, frame separation): frames 0.1-0.3 s apart instead of
# 0.5-1.5 s (nearly identical frames: a weaker natural augmentation).
_base_ = ['../vicmae_vit-b16_k400.py']
train_pipeline = [
    dict(
        type='SampleFramePair',
        min_gap=0.1,
        max_gap=0.3,
        gap_unit='second',
        default_fps=30),
    dict(type='mmaction.RawFrameDecode'),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
