# Tiny CPU variant of ../vicmae_vit-base-p16_8xb2048-linear-100e_in1k.py on
# the demo images (frozen 2-layer 32-dim ViT, mean-pooled tokens).
_base_ = [
    '../vicmae_vit-base-p16_8xb2048-linear-100e_in1k.py',
    '../_base_/demo_data.py'
]

model = dict(
    backbone=dict(arch={{_base_.demo_vit}}, img_size=32, patch_size=8,
                  frozen_stages=2),
    neck=[
        dict(type='GlobalAveragePooling'),
        dict(type='ClsBatchNormNeck', input_features=32)
    ],
    head=dict(num_classes=4, in_channels=32))
data_preprocessor = dict(num_classes=4)
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset={{_base_.demo_image_train}})
val_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset={{_base_.demo_image_val}})
test_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset={{_base_.demo_image_test}})
val_evaluator = dict(topk=(1, 2))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=9, by_epoch=True, begin=1, end=10,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10, val_interval=5)
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(logger=dict(interval=1))
