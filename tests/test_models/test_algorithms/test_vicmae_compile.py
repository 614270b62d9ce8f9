# Copyright (c) vicmae_mm contributors. All rights reserved.
"""``torch.compile`` of the demo model's training step: no recompilation
while ``ContrastWeightHook`` changes the contrastive weight or the batch's
video ids change, and the same losses as the eager step.

The weight is a 0-dim tensor buffer that the hook fills in place; a Python
float read inside the step made Dynamo guard on its value
(``self.contrast_weight == 0.0``) and recompile when it changed. The
schedule's ``CompileSafeOptimWrapperConstructor`` also removes the
recompilation that mmengine's ``OptimWrapper`` caused at the second step
(its Python-int step counter).

The eager backend keeps this fast. Inductor also works on a CPU with a C++
compiler (measured: no recompilation, losses equal to eager within 3e-7
with ``torch._inductor.config.fallback_random = True``; without it
inductor draws the masks with its own generator, so they differ from
eager's), but compiling took minutes.
"""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmpretrain.utils import register_all_modules

import vicmae_mm  # noqa: F401
from vicmae_mm.engine.hooks import ContrastWeightHook
from vicmae_mm.utils.model_size import TINY_MODEL_OPTIONS

register_all_modules(init_default_scope=True)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
DEMO = osp.join(ROOT, 'configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py')
ITERS, WARMUP = 4, 3


def test_schedule_uses_fused_adamw_in_eager():
    """The schedule's AdamW is fused; compiled steps switch it off."""
    optim = Config.fromfile(DEMO).optim_wrapper.optimizer
    assert (optim.type, optim.fused) == ('AdamW', True)


def _demo_model_and_optim():
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict(TINY_MODEL_OPTIONS)  # depth 2, width 32: fast trace
    # compile=True configs switch the fused AdamW off (Dynamo re-traces the
    # fused kernel call per param group; inductor fuses the update itself)
    cfg.optim_wrapper.optimizer.fused = False
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))  # CPU: BN1d
    model.init_weights()
    return model, cfg.optim_wrapper


def _data(seed: int, B: int = 4, with_ids: bool = False) -> dict:
    g = torch.Generator().manual_seed(seed)
    frames = [torch.randint(0, 256, (B, 3, 32, 32), generator=g,
                            dtype=torch.uint8) for _ in range(2)]
    data = dict(inputs=frames,
                data_samples=[DataSample() for _ in range(B)])
    if with_ids:  # 2 pairs per video, new ids every batch
        data['video_id'] = torch.arange(B) // 2 + 1000 * seed
    return data


def _run(model, optim_cfg, step_fn, hook, with_ids=False):
    optim = build_optim_wrapper(model, copy.deepcopy(optim_cfg))
    step = step_fn(model.train_step)
    hub = SimpleNamespace(update_info=lambda *a: None)
    losses, weights, graphs = [], [], []
    from torch._dynamo.utils import counters
    for it in range(ITERS):
        hook.before_train_iter(
            SimpleNamespace(iter=it, model=model, message_hub=hub), it)
        torch.manual_seed(100 + it)  # same masks in both runs
        out = step(_data(it, with_ids=with_ids), optim)
        losses.append(out['loss'].detach())
        weights.append(float(out['contrast_weight']))
        graphs.append(counters['stats']['unique_graphs'])
    return losses, weights, graphs


@pytest.mark.parametrize('with_ids', [False, True],
                         ids=['no-video-ids', 'video-ids'])
@pytest.mark.parametrize('backend', ['eager'])
def test_compiled_train_step_does_not_recompile(backend, with_ids):
    import torch._dynamo
    from torch._dynamo.utils import guard_failures
    hook = ContrastWeightHook(final=0.03, warmup='linear',
                              warmup_iters=WARMUP)
    model, optim_cfg = _demo_model_and_optim()
    ref_model = copy.deepcopy(model)
    torch._dynamo.reset()
    losses, weights, graphs = _run(
        model, optim_cfg, lambda f: torch.compile(f, backend=backend), hook,
        with_ids)
    reasons = [r for rs in guard_failures.values() for r in rs]
    # the weight changed at every iteration of the warm-up ...
    expected = [0.03 * min(1., it / WARMUP) for it in range(ITERS)]
    assert weights == pytest.approx(expected, abs=1e-8)
    # ... without any recompilation (no guard on the weight)
    assert reasons == [], reasons
    assert len(set(graphs)) == 1, graphs
    # the compiled step computes what the eager step computes
    ref_losses, ref_weights, _ = _run(ref_model, optim_cfg, lambda f: f,
                                      hook, with_ids)
    assert ref_weights == weights
    torch.testing.assert_close(torch.stack(losses), torch.stack(ref_losses),
                               rtol=1e-5, atol=1e-6)
