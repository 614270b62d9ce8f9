# Ablation (paper, contrastive objective): VICReg (variance / invariance /
# covariance, weights 25 / 25 / 1, statistics over the global batch) instead
# of InfoNCE.
_base_ = ['../vicmae_vit-b16_k400.py']
model = dict(
    contrast_head=dict(
        loss=dict(
            _delete_=True,
            type='VICRegLoss',
            inv_weight=25.0,
            var_weight=25.0,
            cov_weight=1.0)))
