# ViC-MAE ViT-S/16: encoder 384/12/6, decoder 256/8/8.
# (mmpretrain's arch 's' is the old 768/8/8 ViT-small; 'deit-s' is 384/12/6.)
_base_ = ['./vicmae_vit-base-p16.py']
model = dict(
    backbone=dict(arch='deit-s'),
    recon_head=dict(
        decoder=dict(
            embed_dim=384,
            decoder_embed_dim=256,
            decoder_depth=8,
            decoder_num_heads=8)),
    contrast_head=dict(projector=dict(in_channels=384)))
