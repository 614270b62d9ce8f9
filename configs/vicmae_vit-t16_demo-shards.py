# The quick-start demo (vicmae_vit-t16_demo.py) trained from WebDataset tar
# shards of pre-extracted, pre-paired frames instead of decoding videos.
#   python tools/train.py configs/vicmae_vit-t16_demo-shards.py
# The shards are written on first use into data/vicmae_demo/shards/ (24
# training videos x 8 pairs 4-16 frames apart, 3 shards); for your own data
# write them with tools/data/make_pair_shards.py and point `shards` at them.
# ShardAwareSampler gives each rank and each DataLoader worker its own
# shards and reads no pair twice in an epoch. Same model, losses and pair
# budget as the video demo: 20 epochs x 192 pairs = 40 x 96.
_base_ = ['./vicmae_vit-t16_demo.py']

batch_size = 32  # pairs: one sample = one pair here (K=1)
num_workers = 2
train_pipeline = [
    dict(type='LoadShardFramePair', num_frames=2),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=num_workers,
    sampler=dict(
        _delete_=True,
        type='ShardAwareSampler',
        shuffle=True,
        batch_size=batch_size,
        num_workers=num_workers),
    dataset=dict(
        _delete_=True,
        type='FramePairShardDataset',
        data_root='data/vicmae_demo/',
        shards='shards/shard-*.tar',
        pipeline=train_pipeline,
        auto_create_demo=True))
# `--auto-scale-lr` keeps lr at 32 pairs per process, as in the video demo
auto_scale_lr = dict(base_batch_size=32)

max_epochs = 20
warmup_epochs = 2
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=1e-5,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
# contrastive weight: 0 -> 0.03 linearly over the first 5 epochs (as the
# video demo's first 10 of 40)
custom_hooks = [
    dict(type='ContrastWeightHook', final=0.03, warmup='linear',
         warmup_epochs=5),
    dict(type='BadSampleCounterHook'),
]
