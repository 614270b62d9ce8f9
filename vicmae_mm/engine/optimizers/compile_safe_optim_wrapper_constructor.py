# Copyright (c) vicmae_mm contributors. All rights reserved.
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn


def _always_true() -> bool:
    return True


class CompileSafeMixin:
    """Turn every optimizer param group into a plain ``dict`` after building.

    With ``paramwise_cfg`` the constructor passes a list of dicts to
    ``OPTIMIZERS.build``, which turns them into ``ConfigDict``s; the optimizer
    then keeps ``ConfigDict`` param groups. ``torch.compile`` of
    ``train_step`` (``compile=...`` in the config, which includes the
    optimizer step) fails on them inside Dynamo with
    ``'UserDefinedDictVariable' object has no attribute 'items'``. Mix this in
    before a constructor class to get plain groups; the values, and therefore
    learning rates, weight decays and the optimizer's state dict, are
    unchanged.

    Without gradient accumulation (``accumulative_counts=1``) the wrapper's
    ``should_sync`` and ``should_update`` are constant ``True``; mmengine
    computes them from the Python-int step counter ``_inner_count``, on
    which Dynamo guards, so a compiled ``train_step`` was compiled a second
    time at the second iteration. They are replaced, on the built instance,
    by a function returning ``True``.
    """

    def __call__(self, model: nn.Module) -> OptimWrapper:
        optim_wrapper = super().__call__(model)
        optimizers = getattr(optim_wrapper, 'optim_wrappers', None)
        wrappers = (optimizers.values()
                    if isinstance(optimizers, dict) else [optim_wrapper])
        for wrapper in wrappers:
            groups = wrapper.optimizer.param_groups
            for i, group in enumerate(groups):
                groups[i] = dict(group)
            if getattr(wrapper, '_accumulative_counts', None) == 1:
                wrapper.should_sync = wrapper.should_update = _always_true
        return optim_wrapper


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class CompileSafeOptimWrapperConstructor(CompileSafeMixin,
                                         DefaultOptimWrapperConstructor):
    """mmengine's default constructor, with param groups safe to compile.

    Identical to :class:`mmengine.optim.DefaultOptimWrapperConstructor`
    (``paramwise_cfg`` with ``custom_keys``, ``bias_decay_mult``, ...) except
    that the built optimizer holds plain ``dict`` param groups, so a config
    can combine ``paramwise_cfg`` with ``compile=True``. See
    :class:`CompileSafeMixin`.

    Args:
        optim_wrapper_cfg (dict): The optimizer wrapper config, as for the
            default constructor.
        paramwise_cfg (dict, optional): Parameter-wise options. Defaults to
            None.

    Example:
        >>> import torch.nn as nn
        >>> from mmengine.config import ConfigDict
        >>> constructor = CompileSafeOptimWrapperConstructor(
        ...     ConfigDict(optimizer=dict(type='AdamW', lr=1e-3,
        ...                               weight_decay=0.05)),
        ...     ConfigDict(custom_keys={'bias': dict(decay_mult=0.)}))
        >>> wrapper = constructor(nn.Linear(2, 2))
        >>> [type(g).__name__ for g in wrapper.optimizer.param_groups]
        ['dict', 'dict']
    """
