# Kinetics-400, route 2: a space-time ViT with joint attention over the
# tokens of all 16 frames (stride 4): mmaction2's VideoMAE ViT (tubelet 2,
# its default: 8 x 196 tokens) plus the image encoder's CLS token and final
# norm (ClsTokenVideoViT, registered in mmaction's scope), classifying the
# mean of the normalised patch tokens, the ViC-MAE pretraining pooling.
# Weights (layout read from this file, then checked):
#   python tools/model_converters/vicmae_to_mmaction.py CKPT OUT --config \
#       configs/finetune/vicmae_vit-base-p16_spacetime-16x4x1-50e_k400.py
# (Conv3d-inflated patch embedding, spatial position embedding repeated over
# time and learnable here: see vicmae_mm/converters/to_mmaction.py). Set
# model.backbone.init_cfg.checkpoint=OUT. Test: 7 clips x 3 crops.
_base_ = ['./_base_/k400_16x4.py', './_base_/mmaction_runtime.py']

model = dict(
    type='ViTRecognizer3D',
    backbone=dict(
        type='ClsTokenVideoViT',
        out_type='avg_featmap',
        img_size=224,
        patch_size=16,
        embed_dims=768,
        depth=12,
        num_heads=12,
        mlp_ratio=4,
        qkv_bias=True,
        num_frames=16,
        tubelet_size=2,
        use_learnable_pos_emb=True,
        drop_path_rate=0.1,
        norm_cfg=dict(type='LN', eps=1e-6),
        # mmaction's ViT ignores `pretrained=` (pitfall 9): use init_cfg
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    cls_head=dict(
        type='TimeSformerHead',
        num_classes=400,
        in_channels=768,
        label_smooth_eps=0.1,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    test_cfg=dict(max_testing_views=3))
