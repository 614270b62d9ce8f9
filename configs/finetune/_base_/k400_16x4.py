# Kinetics-400 clips for fine-tuning (ViC-MAE protocol): 16 frames, stride 4;
# test 7 clips x 3 crops (21 views). Frames come from decord in RGB.
# ActionDataPreprocessor needs mmengine's default pseudo_collate (set
# explicitly: mmpretrain-style train.py scripts inject default_collate).
dataset_type = 'VideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
num_classes = 400
img_size = 224
clip_len = 16
frame_interval = 4
num_test_clips = 7
file_client_args = dict(io_backend='disk')


def _pipelines(fmt):
    """train/val/test pipelines ending in FormatShape(fmt)."""
    tail = [dict(type='FormatShape', input_format=fmt),
            dict(type='PackActionInputs')]
    head = [dict(type='DecordInit', **file_client_args)]

    def sample(num_clips, test_mode):
        return dict(type='SampleFrames', clip_len=clip_len,
                    frame_interval=frame_interval, num_clips=num_clips,
                    test_mode=test_mode)

    return dict(
        train=head + [
            sample(1, False), dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 256)),
            dict(type='RandomResizedCrop'),
            dict(type='Resize', scale=(img_size, img_size),
                 keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5)
        ] + tail,
        val=head + [
            sample(1, True), dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, img_size)),
            dict(type='CenterCrop', crop_size=img_size)
        ] + tail,
        test=head + [
            sample(num_test_clips, True), dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, img_size)),
            dict(type='ThreeCrop', crop_size=img_size)
        ] + tail)


# 'NCTHW' for the space-time model (route 2, the default here), 'NCHW' for
# the per-frame model (route 1 selects {{_base_.pipelines.NCHW.train}} ...)
pipelines = {fmt: _pipelines(fmt) for fmt in ('NCHW', 'NCTHW')}
train_pipeline = pipelines['NCTHW']['train']
val_pipeline = pipelines['NCTHW']['val']
test_pipeline = pipelines['NCTHW']['test']

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, ann_file=ann_file_train,
                 data_prefix=dict(video=data_root), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, ann_file=ann_file_val,
                 data_prefix=dict(video=data_root_val),
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, ann_file=ann_file_val,
                 data_prefix=dict(video=data_root_val),
                 pipeline=test_pipeline, test_mode=True))
# top1 / top5 / mean class accuracy (keys top1, top5, mean1)
val_evaluator = dict(type='AccMetric',
                     metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=1,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# layer decay 0.65 through mmpretrain's constructor: the ViTRecognizer*
# subclasses expose get_layer_depth (mmaction's own constructor gives every
# `layers.N` of an mmpretrain ViT full lr)
optim_wrapper = dict(
    type='OptimWrapper',  # AmpOptimWrapper on GPU
    optimizer=dict(type='AdamW', lr=5e-4 * 64 / 256, betas=(0.9, 0.999),
                   weight_decay=0.05),
    constructor='mmpretrain.LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        custom_keys={
            '.ln': dict(decay_mult=0.0),
            '.norm': dict(decay_mult=0.0),
            '.bias': dict(decay_mult=0.0),
            '_bias': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }),
    clip_grad=dict(max_norm=5, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=45, eta_min=1e-6, by_epoch=True,
         begin=5, end=50, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
