# Tiny CPU variant of ../vicmae_vit-base-p16_spacetime-16x4x1-50e_k400.py
# (route 2, space-time ViT) on the demo videos: 4 frames, stride 2, 32 px;
# test 2 clips x 3 crops.
_base_ = [
    '../vicmae_vit-base-p16_spacetime-16x4x1-50e_k400.py',
    '../_base_/demo_data.py'
]

model = dict(
    backbone=dict(img_size=32, patch_size=8, embed_dims=32, depth=2,
                  num_heads=2, mlp_ratio=2, num_frames=4,
                  drop_path_rate=0.0),
    cls_head=dict(num_classes=4, in_channels=32),
    test_cfg=dict(max_testing_views=3))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={{_base_.demo_video_ann.train}},
                 data_prefix={{_base_.demo_video_prefix}},
                 pipeline={{_base_.demo_video_pipelines.NCTHW.train}}))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={{_base_.demo_video_ann.val}},
                 data_prefix={{_base_.demo_video_prefix}},
                 pipeline={{_base_.demo_video_pipelines.NCTHW.test}}))
test_dataloader = val_dataloader
val_evaluator = dict(metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=9, eta_min=1e-6, by_epoch=True,
         begin=1, end=10, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10, val_interval=5)
default_hooks = dict(logger=dict(interval=1))
