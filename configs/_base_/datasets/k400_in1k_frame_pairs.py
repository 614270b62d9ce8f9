# Joint image + video training (paper v2/v3): K400 raw-frame pairs and
# ImageNet-1k image pairs concatenated; the sampler draws uniformly over the
# union, so the mix follows the dataset sizes (use RepeatDataset on one source
# to change the ratio). Both pipelines give RGB frames for one preprocessor.
_base_ = ['./k400_frame_pairs.py']

image_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ImageToFrames', num_frames=2, to_rgb=True),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type='FramePairRawframeDataset',
                data_root='data/kinetics400/',
                ann_file='kinetics400_train_list_rawframes.txt',
                data_prefix=dict(img='rawframes_train'),
                pipeline={{_base_.train_pipeline}}),
            dict(
                type='ImagePairDataset',
                data_root='data/imagenet/',
                data_prefix='train',
                with_label=False,
                pipeline=image_pipeline),
        ]))
