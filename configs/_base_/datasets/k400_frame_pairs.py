# Kinetics-400 frame pairs from pre-extracted JPEG frames (the fast path):
#   python tools/data/extract_frames.py data/kinetics400/videos_train \
#       data/kinetics400/kinetics400_train_list_videos.txt \
#       data/kinetics400/rawframes_train \
#       --out-list data/kinetics400/kinetics400_train_list_rawframes.txt
# Raw videos instead: k400_video_frame_pairs.py. Frames are RGB (mmaction's
# RawFrameDecode decodes to RGB), hence to_rgb=False below.
# Gap: 0.5-1.5 s, converted to frames with default_fps (the raw-frame list
# holds no fps): 30 fps unless extracted with --frame-step s (then set
# default_fps=30/s). Kinetics mixes 15-60 fps videos, so for those the gap
# in seconds is only nominal; use the video-list variant (which reads each
# video's fps) where the exact gap matters. Effective batch = batch_size *
# num_pairs.
dataset_type = 'FramePairRawframeDataset'
data_root = 'data/kinetics400/'
crop_size = 224
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
        crop_ratio_range=(0.08, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(
        type='SampleFramePair',
        min_gap=0.5,
        max_gap=1.5,
        gap_unit='second',
        default_fps=30,
        num_pairs=num_pairs),
    dict(type='mmaction.RawFrameDecode'),
    dict(type='PerFrameAugment', transforms=view_pipeline),
    dict(type='PackFramePairs', num_frames=2),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=10,
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
        ann_file='kinetics400_train_list_rawframes.txt',
        data_prefix=dict(img='rawframes_train'),
        pipeline=train_pipeline))

custom_hooks = [dict(type='BadSampleCounterHook')]
