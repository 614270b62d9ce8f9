# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Fixtures shared by every test."""
import pytest


@pytest.fixture(autouse=True)
def mmpretrain_default_scope():
    """Start every test in the ``mmpretrain`` default scope.

    mmengine's ``DefaultScope`` is process-global: a Runner built by one test
    (scope 'mmengine' or 'mmaction') would otherwise decide how the next
    test's bare type names resolve. Tests that need another scope set it in
    their body.
    """
    import vicmae_mm  # noqa: F401  (registers the components)
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    yield
