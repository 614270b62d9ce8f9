# ViC-MAE ViT-B/16 pre-training on Kinetics-400 frame pairs: the paper's
# recipe (method document, section 2).
# - data: pairs of frames 0.5-1.5 s apart from pre-extracted raw frames
#   (configs/_base_/datasets/k400_frame_pairs.py has the extraction command;
#   vicmae_vit-base-p16_8xb512-amp-coslr-800e_k400-videos.py decodes the
#   videos instead), per frame RandomResizedCrop 224 (scale 0.08-1.0, ratio
#   3/4-4/3) + flip;
# - model: mask 0.5 per frame, mean of the visible tokens, projector
#   768-4096-4096-128, InfoNCE T=0.1 over the global batch (all-gather with
#   gradient), loss 0.97 * recon + w_c(t) * contrast;
# - optimisation: AdamW (0.9, 0.95), wd 0.05, lr 1.5e-4 per 256 pairs,
#   40 warm-up epochs, cosine to 800 epochs, bf16 AMP.
#
# Batch: 512 pairs per GPU x 8 GPUs = 4096 (the paper's effective batch):
#   tools/dist_train.sh configs/vicmae_vit-b16_k400.py 8
# Other sizes: add `--auto-scale-lr` and lr is scaled by
# (GPUs x batch per GPU) / auto_scale_lr.base_batch_size (4096), e.g.
#   tools/dist_train.sh configs/vicmae_vit-b16_k400.py 8 --auto-scale-lr \
#       --cfg-options train_dataloader.batch_size=256
# (with `num_pairs` K > 1 a GPU sees batch_size x K pairs, which the scaling
# does not know: pick batch_size so that batch_size x K is the pair batch).
# Memory: a pair is two frames with 98 visible tokens each. Estimate from the
# CPU (tools/analysis/memory_estimate.py: bf16 autocast, tensors saved for
# the backward): 128 MiB per pair + 2 GiB of fp32 weights, grads and AdamW
# moments = 66 GiB at 512 pairs per GPU, before the CUDA context, allocator
# fragmentation and workspaces: it should fit 80 GB, with little headroom.
# tools/analysis/gpu_check.sh measures it (peak reserved memory at 512). If
# it does not fit, use 16 GPUs x 256 (same batch 4096, same lr):
#   tools/dist_train.sh ... 8 --cfg-options train_dataloader.batch_size=256
# on two nodes. Gradient accumulation would shrink the InfoNCE negatives and
# the BatchNorm batch, so it is not the same recipe.
_base_ = [
    './_base_/models/vicmae_vit-base-p16.py',
    './_base_/datasets/k400_frame_pairs.py',
    './_base_/schedules/vicmae_adamw_800e.py',
    './_base_/default_runtime.py',
]

# The model's img_size (model base, 224) and the data crop (`crop_size` of
# the dataset base, 224) must agree; a config that changes one changes both.

train_dataloader = dict(batch_size=512, num_workers=10)

# bf16 autocast (CUDA); on a CPU-only machine override with
#   --cfg-options optim_wrapper.type=OptimWrapper
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')

# 800 epochs; one checkpoint per epoch, the newest 3 kept. `resume = True`
# continues from work_dir/last_checkpoint when the job is restarted (a fresh
# work_dir starts from scratch); `--resume PATH` picks a given checkpoint.
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, by_epoch=True, max_keep_ckpts=3),
    logger=dict(type='LoggerHook', interval=50))
resume = True

# Contrastive weight w_c: the paper introduces the contrastive term
# gradually; here it rises from 0 to its final 0.03 on a cosine ramp over
# the 40 lr warm-up epochs. `warmup='constant'` reproduces the authors'
# released code (0.03 from the first iteration).
custom_hooks = [
    dict(
        type='ContrastWeightHook',
        final=0.03,
        warmup='cosine',
        warmup_epochs=40),
    # missing / empty / corrupt files and fallbacks, printed every epoch
    dict(type='BadSampleCounterHook'),
]

# torch.compile of the training step: False, True or a dict of
# torch.compile arguments, e.g. compile = dict(backend='inductor').
# The schedule's CompileSafeOptimWrapperConstructor keeps the param-wise
# weight-decay settings compatible with it. With compile, also set
#   optim_wrapper = dict(optimizer=dict(fused=False))
# (Dynamo re-traces the fused AdamW for every param group; inductor fuses
# the update itself).
compile = False

# TensorBoard next to the JSON scalars (needs `pip install tensorboard`):
# visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),
#                                 dict(type='TensorboardVisBackend')])

auto_scale_lr = dict(base_batch_size=4096)
