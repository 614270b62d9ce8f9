# ViC-MAE ViT-L/16 on Kinetics-400 frame pairs + ImageNet-1k image pairs
# (joint image and video training, paper v2/v3: 86.0 IN-1k / 86.8 K400
# top-1 after fine-tuning). The flagship recipe, inherited with its
# schedule, runtime and hooks (vicmae_vit-b16_k400.py), with two changes:
# - the ViT-L encoder (1024/24/16; decoder 512/8/16, as
#   _base_/models/vicmae_vit-large-p16.py);
# - ImageNet-1k images next to the Kinetics frames: each image gives two
#   independently augmented views of itself. The sampler draws uniformly
#   over the union, so the mix follows the dataset sizes (wrap one source in
#   a RepeatDataset to change the ratio).
# 8 GPUs x 512 pairs = 4096 (ViT-L at 512 per GPU needs 80 GB cards with
# bf16; otherwise halve batch_size and add --auto-scale-lr, or train on 16
# GPUs: NNODES=2 tools/dist_train.sh ... 8 with batch_size=256).
_base_ = ['./vicmae_vit-b16_k400.py']

model = dict(
    backbone=dict(arch='l'),
    recon_head=dict(decoder=dict(embed_dim=1024)),
    contrast_head=dict(projector=dict(in_channels=1024)))

# cv2 loads BGR; ImageToFrames(to_rgb=True) gives RGB like the decoded
# frames, so one preprocessor serves both sources
image_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ImageToFrames', num_frames=2, to_rgb=True),
    dict(type='PerFrameAugment', transforms={{_base_.view_pipeline}}),
    dict(type='PackFramePairs', num_frames=2),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            {{_base_.train_dataloader.dataset}},
            dict(
                type='ImagePairDataset',
                data_root='data/imagenet/',
                data_prefix='train',
                with_label=False,
                pipeline=image_pipeline),
        ]))
