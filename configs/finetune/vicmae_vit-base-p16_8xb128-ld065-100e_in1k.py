# ViC-MAE ViT-B/16 -> ImageNet-1k fine-tune, 100 epochs (method doc sec. 5):
# AdamW lr 5e-4 per 256 (2e-3 at 8x128), layer decay 0.65, drop path 0.1,
# mixup 0.8 / cutmix 1.0, label smoothing 0.1, RandAugment, RandomErasing,
# 5 warm-up epochs. Classifier on the CLS token after the final norm (the
# authors' default); the `-meanpool` variant pools patch tokens instead.
#
# Weights: --cfg-options model.backbone.init_cfg.checkpoint=<ckpt>, where
# <ckpt> is a ViC-MAE pretraining checkpoint or the output of
# tools/model_converters/vicmae_to_mmpretrain.py (both: prefix 'backbone.').
_base_ = ['./_base_/in1k_finetune.py', './_base_/mmpretrain_runtime.py']

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch='base',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        out_type='cls_token',
        final_norm=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                  mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
    train_cfg=dict(augments=[
        dict(type='Mixup', alpha=0.8),
        dict(type='CutMix', alpha=1.0)
    ]))

optim_wrapper = dict(
    type='OptimWrapper',  # AmpOptimWrapper on GPU (tools/train.py --amp)
    optimizer=dict(type='AdamW', lr=5e-4 * 1024 / 256, weight_decay=0.05,
                   betas=(0.9, 0.999)),
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        custom_keys={
            '.ln': dict(decay_mult=0.0),
            '.bias': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=95, by_epoch=True, begin=5, end=100,
         eta_min=1e-6, convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=1024)
