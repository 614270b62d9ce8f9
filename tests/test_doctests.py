# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Run the ``Example:`` blocks of every vicmae_mm module (house rule 3)."""
import doctest
import importlib
import pkgutil

import pytest
from mmengine.registry import init_default_scope

import vicmae_mm

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(vicmae_mm.__path__, 'vicmae_mm.'))


@pytest.mark.parametrize('name', MODULES)
def test_docstring_examples(name):
    init_default_scope('mmpretrain')  # examples assume the pretrain scope
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f'{result.failed} example(s) failed in {name}'
