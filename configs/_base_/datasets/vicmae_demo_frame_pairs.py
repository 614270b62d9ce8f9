# Built-in procedural demo videos (tools/data/make_demo_dataset.py); the set
# is generated on first use (auto_create_demo=True). Frames are RGB (decord).
# K pairs per decoded video: set num_pairs; the effective batch size is then
# batch_size * num_pairs (repeat_default_collate flattens the K samples).
dataset_type = 'FramePairVideoDataset'
data_root = 'data/vicmae_demo/'
crop_size = 32
num_pairs = 1

data_preprocessor = dict(
    type='FramePairDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=False)

view_pipeline = [
    dict(
        type='RandomResizedCrop',
        scale=crop_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='mmaction.DecordInit'),
    dict(type='SampleFramePair', min_gap=4, max_gap=16, num_pairs=num_pairs),
    dict(type='SortedDecordDecode'),
    dict(type='PerFrameAugment', transforms=view_pipeline),
    dict(type='PackFramePairs', num_frames=2),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    # equal batches on every rank (the contrastive gather needs them) and
    # no size-1 batch for the projector BatchNorm
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='repeat_default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='videos_train.txt',
        data_prefix=dict(video='videos'),
        pipeline=train_pipeline,
        auto_create_demo=True))

# Prints missing/empty/corrupt files and fallbacks at each epoch end. A config
# that sets its own custom_hooks must keep this entry.
custom_hooks = [dict(type='BadSampleCounterHook')]
