# The learning check's pretraining run (tools/analysis/learning_check.py):
# a 0.2 M-parameter ViT (width 64, 4 blocks, patch 4 at 32 px) pretrained
# with ViC-MAE on moving handwritten digits (vicmae_mm.datasets.digit_videos:
# 1,200 videos of the train digits of sklearn's load_digits, generated at
# data/vicmae_digits/ on first use in about 30 s). The learning check trains
# this config four ways (random init = no training, MAE-only = contrastive
# weight 0, ViC-MAE = the paper's 0.97 / 0.03 with a warm-up, a high
# contrastive weight) and probes the frozen mean-pooled features on held-out
# digits. Also trainable on its own:
#   python tools/train.py configs/learning_check/vicmae_vit-mini-p4_1xb16-1000i_digits.py
# Budget: 1,000 steps of 16 pairs, about 14 min for the whole check on two
# cores. More, smaller steps helped most in the trials (docs/benchmarks.md,
# Learning check): at equal compute, 700 steps of 16 pairs beat 350 of 32.
_base_ = [
    '../_base_/models/vicmae_vit-base-p16.py',
    '../_base_/schedules/vicmae_adamw_800e.py',
    '../_base_/default_runtime.py',
]

crop_size = 32
patch = 4
width = 64
max_iters = 1000
warmup_iters = 100
data_root = 'data/vicmae_digits/'

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=width,
            num_layers=4,
            num_heads=4,
            feedforward_channels=width * 4),
        img_size=crop_size,
        patch_size=patch),
    recon_head=dict(
        patch_size=patch,
        decoder=dict(
            num_patches=(crop_size // patch)**2,
            patch_size=patch,
            embed_dim=width,
            decoder_embed_dim=64,
            decoder_depth=2,
            decoder_num_heads=4)),
    contrast_head=dict(
        projector=dict(in_channels=width, hid_channels=256,
                       out_channels=64)))

# Frames are 64 px; views are mild crops resized to 32 px. No flip (a
# mirrored digit is another symbol) and no colour jitter: the videos change
# colour themselves, and with jitter the contrastive loss stayed near chance
# at this budget in the trials (see vicmae_mm/datasets/digit_videos.py).
view_pipeline = [
    dict(
        type='RandomResizedCrop',
        scale=crop_size,
        crop_ratio_range=(0.6, 1.0),
        backend='pillow',
        interpolation='bicubic'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='repeat_default_collate'),
    dataset=dict(
        type='FramePairRawframeDataset',
        data_root=data_root,
        ann_file='rawframes_train.txt',
        data_prefix=dict(img='rawframes'),
        filename_tmpl='img_{:05d}.png',
        # 16 frames per video; the two frames are 4-15 frames apart
        pipeline=[
            dict(type='SampleFramePair', min_gap=4, max_gap=15,
                 num_pairs=1),
            dict(type='mmaction.RawFrameDecode'),
            dict(type='PerFrameAugment', transforms=view_pipeline),
            dict(type='PackFramePairs', num_frames=2),
        ],
        auto_create_demo='digits'))

# the recipe's AdamW (no decay on norms, biases and tokens; fused) at a
# learning rate for 16 pairs and 1,000 steps
optim_wrapper = dict(optimizer=dict(lr=1.5e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', T_max=max_iters - warmup_iters,
         eta_min=0., by_epoch=False, begin=warmup_iters, end=max_iters)
]
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
# the paper's 0.03, introduced by a cosine warm-up (as the flagship: 40 of
# 800 epochs = the first 5% of the run)
custom_hooks = [
    dict(type='ContrastWeightHook', final=0.03, warmup='cosine',
         warmup_iters=max_iters // 20),
    dict(type='BadSampleCounterHook'),
]
randomness = dict(seed=0, diff_rank_seed=True)
# `--auto-scale-lr` keeps lr at 16 pairs per step
auto_scale_lr = dict(base_batch_size=16)
