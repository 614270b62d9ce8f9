# Variant: classify the mean of the patch tokens after the final norm (the
# ViC-MAE pretraining pooling, exactly) instead of the CLS token.
_base_ = './vicmae_vit-base-p16_8xb128-ld065-100e_in1k.py'

model = dict(
    backbone=dict(out_type='featmap'),
    neck=dict(type='GlobalAveragePooling'))
