# Tiny CPU variant of ../vicmae_vit-base-p16_frames-16x4x1-50e_k400.py
# (route 1, per-frame ViT) on the demo videos: 4 frames, stride 2, 32 px;
# test 2 clips x 3 crops.
_base_ = [
    '../vicmae_vit-base-p16_frames-16x4x1-50e_k400.py',
    '../_base_/demo_data.py'
]

model = dict(
    backbone=dict(arch={{_base_.demo_vit}}, img_size=32, patch_size=8,
                  drop_path_rate=0.0),
    cls_head=dict(num_classes=4, in_channels=32))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={{_base_.demo_video_ann.train}},
                 data_prefix={{_base_.demo_video_prefix}},
                 pipeline={{_base_.demo_video_pipelines.NCHW.train}}))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={{_base_.demo_video_ann.val}},
                 data_prefix={{_base_.demo_video_prefix}},
                 pipeline={{_base_.demo_video_pipelines.NCHW.test}}))
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
