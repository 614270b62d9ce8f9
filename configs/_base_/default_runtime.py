# Runtime defaults for ViC-MAE pretraining (mmpretrain's default runtime,
# adapted). Every experiment config lists this file in its `_base_`.

# Build everything in mmpretrain's registries; `import vicmae_mm` registers
# the plugin's components and the safe checkpoint loader used by `resume`.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['vicmae_mm'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    # iteration time and data time
    timer=dict(type='IterTimerHook'),
    # global pairs/s (batch x world size / iteration wall time)
    throughput=dict(type='ThroughputHook'),
    # torch RNG re-seeded from (seed, rank, iter): exact resume of masks
    iter_seed=dict(type='IterSeedHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # one checkpoint per epoch, the latest 3 kept; `last_checkpoint` points at
    # the newest one, which `resume = True` / `--resume` picks up.
    # AtomicCheckpointHook = mmengine's CheckpointHook that survives a kill or
    # a full disk at any moment (old files deleted only after the new one is
    # complete; a damaged last checkpoint falls back to the previous one)
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=1, by_epoch=True,
        max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches this to gloo on a machine without CUDA
    dist_cfg=dict(backend='nccl'),
)

# Scalars go to <work_dir>/<timestamp>/vis_data/scalars.json. For TensorBoard
# as well (needs `pip install tensorboard`), set in a config:
#   visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),
#                                   dict(type='TensorboardVisBackend')])
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

# smooth logged scalars over this many iterations
log_processor = dict(window_size=10)

log_level = 'INFO'
load_from = None
resume = False

randomness = dict(seed=0, diff_rank_seed=True, deterministic=False)
