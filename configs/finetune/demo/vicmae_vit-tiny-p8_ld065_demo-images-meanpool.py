# Tiny CPU variant of ../vicmae_vit-base-p16_8xb128-ld065-100e_in1k-meanpool.py
# on the demo images: the settings of ./vicmae_vit-tiny-p8_ld065_demo-images.py
# (a test checks they match) on top of the full mean-pool config, so that the
# test run trains the full config's mean-pooled classifier (patch tokens ->
# GlobalAveragePooling -> LinearClsHead) itself.
_base_ = [
    '../vicmae_vit-base-p16_8xb128-ld065-100e_in1k-meanpool.py',
    '../_base_/demo_data.py'
]

model = dict(
    backbone=dict(arch={{_base_.demo_vit}}, img_size=32, patch_size=8,
                  drop_path_rate=0.0),
    head=dict(num_classes=4, in_channels=32))
data_preprocessor = dict(num_classes=4)
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset={{_base_.demo_image_train}})
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset={{_base_.demo_image_val}})
test_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset={{_base_.demo_image_test}})
val_evaluator = dict(topk=(1, 2))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=9, by_epoch=True, begin=1, end=10,
         eta_min=1e-6, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10)
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=1))
