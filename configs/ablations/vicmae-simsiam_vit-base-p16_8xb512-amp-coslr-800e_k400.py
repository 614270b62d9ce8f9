# Ablation (paper, contrastive objective): SimSiam (predictor +
# stop-gradient, no negatives) instead of InfoNCE. The predictor is a
# 2-layer MLP 128-512-128 on the projector output.
_base_ = ['../vicmae_vit-b16_k400.py']
model = dict(
    contrast_head=dict(
        predictor=dict(
            type='NonLinearNeck',
            in_channels=128,
            hid_channels=512,
            out_channels=128,
            num_layers=2,
            with_bias=True,
            with_last_bn=False,
            with_last_bias=True,
            with_avg_pool=False,
            norm_cfg=dict(type='SyncBN')),
        loss=dict(_delete_=True, type='SimSiamLoss')))
