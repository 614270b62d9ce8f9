# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Schedule of ViC-MAE's contrastive-loss weight."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

WARMUP_MODES = ('constant', 'linear', 'cosine')


def contrast_weight_at(it: int, final: float, warmup: str,
                       warmup_iters: int) -> float:
    """Contrastive weight after ``it`` finished iterations.

    Args:
        it (int): Iterations already done (``runner.iter``).
        final (float): Weight after the warm-up.
        warmup (str): 'constant', 'linear' or 'cosine'.
        warmup_iters (int): Length of the warm-up in iterations.

    Returns:
        float: 0 at ``it = 0`` (unless constant), ``final`` from
        ``it >= warmup_iters`` on.

    Example:
        >>> contrast_weight_at(5, 0.03, 'linear', 10)
        0.015
        >>> contrast_weight_at(50, 0.03, 'cosine', 10)
        0.03
    """
    if warmup == 'constant' or warmup_iters <= 0:
        return float(final)
    progress = min(1.0, it / warmup_iters)
    if warmup == 'linear':
        return float(final) * progress
    return float(final) * 0.5 * (1.0 - math.cos(math.pi * progress))


@HOOKS.register_module()
class ContrastWeightHook(Hook):
    """Set ``model.contrast_weight`` before every training iteration.

    The weight is recomputed from ``runner.iter`` (restored on resume, and
    the state dict is loaded before the first iteration's hook call), so a
    resumed run continues the schedule exactly without extra state. It is
    written *in place* (``fill_``) into the model's 0-dim tensor buffer:
    the training step reads a tensor, not a Python float, so a compiled step
    (``compile=True``) is not re-traced when the value changes, and no
    host-device copy or synchronisation is added. The model returns the
    weight it used as the ``contrast_weight`` log key, so the logged
    ``train/contrast_weight`` is the value used; the hook also stores it as
    runtime info ``contrast_weight`` of the message hub.

    mmpretrain's ``WarmupParamHook`` is not reused: it is linear only,
    specified in epochs only, and derives iterations per epoch from
    ``max_iters / max_epochs``.

    Args:
        final (float): Weight after the warm-up (ViC-MAE: 0.03).
            Defaults to 0.03.
        warmup (str): 'constant' (authors' code: ``final`` from the start),
            'linear' or 'cosine' (from 0 to ``final``, the paper's gradual
            introduction). Defaults to 'constant'.
        warmup_iters (int, optional): Warm-up length in iterations.
        warmup_epochs (float, optional): Warm-up length in epochs (converted
            with the length of the train dataloader). Give exactly one of
            the two unless ``warmup='constant'``.
        attr (str): Model attribute to set, a tensor buffer (``ViCMAE``
            registers one). Defaults to 'contrast_weight'.
    """

    priority = 'NORMAL'

    def __init__(self,
                 final: float = 0.03,
                 warmup: str = 'constant',
                 warmup_iters: Optional[int] = None,
                 warmup_epochs: Optional[float] = None,
                 attr: str = 'contrast_weight') -> None:
        if warmup not in WARMUP_MODES:
            raise ValueError(f'ContrastWeightHook: unknown warmup {warmup!r},'
                             f' expected one of {WARMUP_MODES}')
        if warmup != 'constant' and (warmup_iters is None) == (
                warmup_epochs is None):
            raise ValueError('ContrastWeightHook: give exactly one of '
                             'warmup_iters and warmup_epochs, got '
                             f'{warmup_iters!r} and {warmup_epochs!r}')
        self.final = float(final)
        self.warmup = warmup
        self.warmup_iters = warmup_iters
        self.warmup_epochs = warmup_epochs
        self.attr = attr

    def before_run(self, runner) -> None:
        """Make the log line show the current weight, not a window mean.

        mmengine's ``LogProcessor`` averages every logged scalar over its
        window (10 iterations) by default, which during the warm-up differs
        from the weight in use; unless the config already says how to log
        ``contrast_weight``, ask for its current value.
        """
        log_processor = getattr(runner, 'log_processor', None)
        if log_processor is None:
            return
        custom = list(log_processor.custom_cfg or [])
        if not any(c.get('data_src') == self.attr for c in custom):
            custom.append(dict(data_src=self.attr, method_name='current'))
            log_processor.custom_cfg = custom

    def _warmup_iters(self, runner) -> int:
        if self.warmup_iters is not None:
            return int(self.warmup_iters)
        if self.warmup_epochs is None:
            return 0
        return int(round(self.warmup_epochs * len(runner.train_dataloader)))

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """Write the weight for this iteration into the model."""
        weight = contrast_weight_at(runner.iter, self.final, self.warmup,
                                    self._warmup_iters(runner))
        model = get_ori_model(runner.model)
        if not hasattr(model, self.attr):
            raise AttributeError(
                f'ContrastWeightHook: {type(model).__name__} has no '
                f'attribute {self.attr!r}')
        buffer = getattr(model, self.attr)
        if not isinstance(buffer, torch.Tensor) or buffer.dim() != 0:
            raise TypeError(
                f'ContrastWeightHook: {type(model).__name__}.{self.attr} '
                'must be a 0-dim tensor buffer updated in place (a Python '
                f'float would be re-traced by torch.compile), got {buffer!r}')
        with torch.no_grad():
            buffer.fill_(weight)
        runner.message_hub.update_info(self.attr, weight)
