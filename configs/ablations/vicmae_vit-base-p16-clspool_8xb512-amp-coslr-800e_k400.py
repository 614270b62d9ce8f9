# Ablation (paper v1, pooling operator): the [CLS] token as the global
# feature instead of the mean of the visible patch tokens.
_base_ = ['../vicmae_vit-b16_k400.py']
model = dict(neck=dict(mode='cls'))
