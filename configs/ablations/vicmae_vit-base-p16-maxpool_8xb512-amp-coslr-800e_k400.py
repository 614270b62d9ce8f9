# Ablation (paper v1, pooling operator): element-wise max of the visible
# patch tokens instead of their mean.
_base_ = ['../vicmae_vit-b16_k400.py']
model = dict(neck=dict(mode='max'))
