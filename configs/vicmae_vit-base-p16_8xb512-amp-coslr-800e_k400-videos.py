# vicmae_vit-b16_k400.py reading the Kinetics-400 videos directly (decord,
# no frame extraction). Each decoded video yields K=4 frame pairs (repeated
# sampling), so 128 videos x 4 pairs = 512 pairs per GPU, 4096 on 8 GPUs as
# in the raw-frame config.
_base_ = ['./vicmae_vit-b16_k400.py']

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
    batch_size=128,
    dataset=dict(
        type='FramePairVideoDataset',
        ann_file='kinetics400_train_list_videos.txt',
        data_prefix=dict(_delete_=True, video='videos_train'),
        pipeline=train_pipeline))
# --auto-scale-lr sees 128 videos per GPU; the pair batch is 4x that
auto_scale_lr = dict(base_batch_size=4096 // num_pairs)
