# Tiny CPU variant of ../vicmae_vit-base-p16_8xb128-ld065-100e_in1k-meanpool.py
_base_ = './vicmae_vit-tiny-p8_ld065_demo-images.py'

model = dict(
    backbone=dict(out_type='featmap'),
    neck=dict(type='GlobalAveragePooling'))
