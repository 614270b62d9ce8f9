# ViC-MAE ViT-L/16: encoder 1024/24/16, decoder 512/8/16.
_base_ = ['./vicmae_vit-base-p16.py']
model = dict(
    backbone=dict(arch='l'),
    recon_head=dict(decoder=dict(embed_dim=1024)),
    contrast_head=dict(projector=dict(in_channels=1024)))
