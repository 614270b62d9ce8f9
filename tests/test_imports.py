# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Every module imports, and ``import vicmae_mm`` registers every component."""
import importlib
import inspect
import pkgutil

import pytest

import vicmae_mm

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(vicmae_mm.__path__, 'vicmae_mm.'))


@pytest.mark.parametrize('name', MODULES)
def test_module_imports(name):
    importlib.import_module(name)


def _registries():
    import mmaction.registry as mmaction_reg
    import mmpretrain.registry as mmpretrain_reg
    regs = []
    for module in (mmpretrain_reg, mmaction_reg):
        for value in vars(module).values():
            if type(value).__name__ == 'Registry':
                regs.append(value)
    return regs


def _exported_components():
    """(subpackage, name, object) for every class in a subpackage __all__."""
    for pkg_name in MODULES:
        pkg = importlib.import_module(pkg_name)
        if not hasattr(pkg, '__path__'):
            continue
        for name in getattr(pkg, '__all__', []):
            obj = getattr(pkg, name)
            if inspect.isclass(obj) and obj.__module__.startswith(
                    'vicmae_mm.'):
                yield pkg_name, name, obj


def test_exported_classes_are_registered():
    registered = {
        obj
        for reg in _registries() for obj in reg.module_dict.values()
    }
    components = list(_exported_components())
    assert components, 'vicmae_mm exports no components'
    # Components (as opposed to mixins and autograd functions) must be
    # reachable from a config.
    from mmcv.transforms import BaseTransform
    from mmengine.dataset import BaseDataset
    from mmengine.hooks import Hook
    from mmengine.optim import DefaultOptimWrapperConstructor
    from torch import nn
    kinds = (nn.Module, BaseTransform, Hook, BaseDataset,
             DefaultOptimWrapperConstructor)
    missing = [
        f'{pkg}.{name}' for pkg, name, obj in components
        if issubclass(obj, kinds) and obj not in registered
    ]
    assert not missing, f'exported but not registered: {missing}'
