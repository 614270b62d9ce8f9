# Kinetics-400 frame pairs decoded from the raw videos with decord (no
# preparation; slower than raw frames, so K=4 pairs per decode by default).
# Effective batch = batch_size * num_pairs.
_base_ = ['./k400_frame_pairs.py']

num_pairs = 4
train_pipeline = [
    dict(type='mmaction.DecordInit'),
    dict(
        type='SampleFramePair',
        min_gap=0.5,
        max_gap=1.5,
        gap_unit='second',
        num_pairs=num_pairs),
    dict(type='SortedDecordDecode'),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        type='FramePairVideoDataset',
        ann_file='kinetics400_train_list_videos.txt',
        data_prefix=dict(_delete_=True, video='videos_train'),
        pipeline=train_pipeline))
