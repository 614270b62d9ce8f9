# The quick-start demo (vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py) trained from WebDataset tar
# shards of pre-extracted, pre-paired frames instead of decoding videos.
#   python tools/train.py configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo-shards.py
# The shards are written on first use into data/vicmae_demo/shards/ (24
# training videos x 4 pairs 4-16 frames apart, 3 shards); for your own data
# write them with tools/data/make_pair_shards.py and point `shards` at them.
# ShardAwareSampler gives each rank and each DataLoader worker its own
# shards and reads no pair twice in an epoch. Same model, losses, schedule
# and pair budget as the video demo (96 pairs = 3 iterations per epoch);
# the pairs are fixed once written, where the video demo draws new ones
# every epoch.
_base_ = ['./vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py']

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
