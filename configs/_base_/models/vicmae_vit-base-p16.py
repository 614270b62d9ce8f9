# ViC-MAE ViT-B/16 pre-training model (224 px, defaults of the method:
# mask 0.5 per frame, mean pooling of visible tokens, decoder 512/8/16,
# projector 768-4096-4096-128, InfoNCE T=0.1, 0.97 recon + 0.03 contrast).
# Frames come from decord in RGB, hence RGB mean/std and to_rgb=False.
embed_dims = 768
patch_size = 16
img_size = 224
model = dict(
    type='ViCMAE',
    data_preprocessor=dict(
        type='FramePairDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=False),
    backbone=dict(
        type='VicMAEViT',
        arch='b',
        img_size=img_size,
        patch_size=patch_size,
        mask_ratio=0.5),
    neck=dict(type='TokenPoolNeck', mode='mean'),
    recon_head=dict(
        type='MAEReconHead',
        decoder=dict(
            type='MAEPretrainDecoder',
            num_patches=(img_size // patch_size)**2,
            patch_size=patch_size,
            in_chans=3,
            embed_dim=embed_dims,
            decoder_embed_dim=512,
            decoder_depth=8,
            decoder_num_heads=16,
            mlp_ratio=4.),
        loss=dict(type='PixelReconstructionLoss', criterion='L2'),
        norm_pix=True,
        patch_size=patch_size),
    contrast_head=dict(
        type='FrameContrastHead',
        projector=dict(
            type='NonLinearNeck',
            in_channels=embed_dims,
            hid_channels=4096,
            out_channels=128,
            num_layers=3,
            with_bias=True,
            with_last_bn=False,
            with_last_bias=True,
            with_avg_pool=False,
            norm_cfg=dict(type='SyncBN')),
        loss=dict(type='InfoNCELoss', temperature=0.1)),
    recon_weight=0.97,
    contrast_weight=0.03,
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
