# ViC-MAE demo: a tiny ViT (128 wide, 4 blocks; patch 8 at 32 px) trained on
# the built-in procedural demo videos on a CPU in a few minutes. The demo set
# is generated at data/vicmae_demo/ on first use (about 20 s).
#   python tools/train.py configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py
# Same model class, losses, hooks and schedule shape as the full recipe
# (vicmae_vit-b16_k400.py); only the sizes and the length differ. 1xb32: one
# process, 8 videos x 4 pairs = 32 pairs per iteration (config names count
# pairs). Logs go to work_dirs/<config name>/<timestamp>/, checkpoints next
# to them.
_base_ = [
    './_base_/models/vicmae_vit-base-p16.py',
    './_base_/datasets/vicmae_demo_frame_pairs.py',
    './_base_/schedules/vicmae_adamw_800e.py',
    './_base_/default_runtime.py',
]

crop_size = 32  # the model's img_size = the data base's crop_size (32)
patch = 8
width = 128
num_pairs = 4  # 4 pairs per decoded video: 8 videos x 4 = 32 pairs / iter

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

train_pipeline = [
    dict(type='mmaction.DecordInit'),
    dict(type='SampleFramePair', min_gap=4, max_gap=16, num_pairs=num_pairs),
    dict(type='SortedDecordDecode'),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(pipeline=train_pipeline))

# 24 training videos, 8 per batch: 3 iterations (96 pairs) per epoch.
max_epochs = 40
warmup_epochs = 4
optim_wrapper = dict(optimizer=dict(lr=1.5e-3))
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
# `--auto-scale-lr` keeps lr at 8 videos per process
auto_scale_lr = dict(base_batch_size=8)

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
log_processor = dict(window_size=5)
# contrastive weight: 0 -> 0.03 linearly over the first 10 epochs
custom_hooks = [
    dict(type='ContrastWeightHook', final=0.03, warmup='linear',
         warmup_epochs=10),
    dict(type='BadSampleCounterHook'),
]
randomness = dict(seed=0, diff_rank_seed=True)
compile = False
