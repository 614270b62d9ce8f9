# ViC-MAE pretraining schedule (method document, section 2): AdamW
# (0.9, 0.95), weight decay 0.05 without decay on norms, biases and tokens,
# base lr 1.5e-4 per 256 pairs at an effective batch of 4096 (8 GPUs x 512),
# 40 warm-up epochs, then cosine to 0 at epoch 800.
# `--auto-scale-lr` rescales lr by (GPUs x batch per GPU) / 4096.
# GPU configs switch to bf16 AMP with
#   optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
# (or `tools/train.py --amp`); this file stays CPU-safe.
optim_wrapper = dict(
    type='OptimWrapper',
    # plain-dict param groups, so `compile = True` works with paramwise_cfg
    constructor='CompileSafeOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW',
        lr=1.5e-4 * 4096 / 256,
        betas=(0.9, 0.95),
        weight_decay=0.05,
        # one fused kernel for all tensors (CPU and CUDA): on CPU the
        # per-tensor loop cost 0.3 s of a 4 s ViT-S step, most of it on the
        # projector's 19 M parameters; with bf16 AMP it also lets the grad
        # scaler skip its per-step device-to-host inf check
        fused=True),
    paramwise_cfg=dict(
        # every norm layer (the encoder/decoder LayerNorms and the
        # projector's BatchNorms) without weight decay
        norm_decay_mult=0.0,
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-9,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=760,
        eta_min=0.0,
        by_epoch=True,
        begin=40,
        end=800,
        convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)

auto_scale_lr = dict(base_batch_size=4096)
