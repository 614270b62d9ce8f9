# ViC-MAE ViT-L/16 on Kinetics-400 frame pairs + ImageNet-1k image pairs
# (joint image and video training, paper v2/v3: 86.0 IN-1k / 86.8 K400
# top-1 after fine-tuning). Same recipe as vicmae_vit-b16_k400.py with the
# ViT-L encoder (1024/24/16, decoder 512/8/16); an image gives two
# independently augmented views of itself.
# 8 GPUs x 512 pairs = 4096 (ViT-L at 512 per GPU needs 80 GB cards with
# bf16; otherwise halve batch_size and add --auto-scale-lr, or train on 16
# GPUs: NNODES=2 tools/dist_train.sh ... 8 with batch_size=256).
_base_ = [
    './_base_/models/vicmae_vit-large-p16.py',
    './_base_/datasets/k400_in1k_frame_pairs.py',
    './_base_/schedules/vicmae_adamw_800e.py',
    './_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=512, num_workers=10)
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, by_epoch=True, max_keep_ckpts=3))
resume = True
# see vicmae_vit-b16_k400.py: cosine ramp of w_c to 0.03 over the 40 lr
# warm-up epochs; warmup='constant' as in the authors' code
custom_hooks = [
    dict(
        type='ContrastWeightHook',
        final=0.03,
        warmup='cosine',
        warmup_epochs=40),
    dict(type='BadSampleCounterHook'),
]
compile = False
auto_scale_lr = dict(base_batch_size=4096)
