# Kinetics-400, route 1: the image ViT applied to each of 16 frames (stride
# 4), class scores averaged over time (TSN consensus); exact weight transfer
# (tools/model_converters/vicmae_to_mmaction.py --route frame, or a ViC-MAE
# checkpoint directly, prefix 'backbone.'). Test: 7 clips x 3 crops.
_base_ = ['./_base_/k400_16x4.py', './_base_/mmaction_runtime.py']

model = dict(
    type='ViTRecognizer2D',
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch='base',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        out_type='cls_token',
        final_norm=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    cls_head=dict(
        type='TSNHead',
        num_classes=400,
        in_channels=768,
        spatial_type=None,  # (N, C) features from the ViT
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.0,
        label_smooth_eps=0.1,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))
# No test_cfg.max_testing_views: mmaction 1.1.0 Recognizer2D then calls
# `self.backbone.get(...)` (AttributeError on an nn.Module backbone); the
# 16 x 21 = 336 frames of a test video go through in one batch.

train_dataloader = dict(
    dataset=dict(pipeline={{_base_.pipelines.NCHW.train}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.pipelines.NCHW.val}}))
test_dataloader = dict(
    dataset=dict(pipeline={{_base_.pipelines.NCHW.test}}))
