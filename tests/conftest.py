# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Fixtures shared by every test, and the guard of the ``slow`` marker.

``pytest -m "not slow"`` is the inner loop (README, "Development"): it leaves
out every test that starts an mmengine Runner, a subprocess (torchrun, the
tools) or other processes (``torch.multiprocessing``, ``multiprocessing``:
process pools, DataLoader workers). :func:`slow_guard` keeps that
true: a test without ``@pytest.mark.slow`` that starts one of them fails and
is told to add the mark. It guards what a test starts, not how long it takes
(timings on a shared 2-core machine vary 2-3x).
"""
from typing import Callable, List

import pytest

# pytester runs the guard on tests written by tests/test_slow_marker.py
pytest_plugins = ('pytester', )

#: what the guard patches: (module path, owner attribute path, description)
GUARDED = (
    ('mmengine.runner', 'Runner.__init__', 'an mmengine Runner'),
    ('mmengine.runner', 'FlexibleRunner.__init__', 'an mmengine Runner'),
    ('subprocess', 'Popen.__init__', 'a subprocess'),
    ('torch.multiprocessing', 'spawn', 'torch.multiprocessing processes'),
    # every other multiprocessing Process (torch's start_processes,
    # ProcessPoolExecutor, DataLoader workers)
    ('multiprocessing.process', 'BaseProcess.start',
     'a multiprocessing process'),
)


def _unmarked_start(what: str, nodeid: str, seen: List[str]) -> Callable:
    """The stand-in for a guarded callable: records and fails the test."""

    def refuse(*args, **kwargs):
        message = (f'{nodeid} starts {what} but is not marked slow: add '
                   '`@pytest.mark.slow` (or `pytestmark = pytest.mark.slow` '
                   'for the module) so `pytest -m "not slow"` stays fast; '
                   'see README.md, "Development"')
        seen.append(message)
        pytest.fail(message, pytrace=False)

    return refuse


def install_slow_guard(monkeypatch: pytest.MonkeyPatch, nodeid: str,
                       seen: List[str]) -> None:
    """Patch every :data:`GUARDED` callable to fail ``nodeid``.

    ``pytest.fail`` raises an ``OutcomeException`` (a ``BaseException``), so
    code under test that catches ``Exception`` cannot swallow it; ``seen``
    records each refusal so that the fixture fails the test even if
    something catches ``BaseException``.
    """
    import importlib
    for module_name, attr_path, what in GUARDED:
        owner = importlib.import_module(module_name)
        *parents, name = attr_path.split('.')
        for parent in parents:
            owner = getattr(owner, parent)
        monkeypatch.setattr(owner, name, _unmarked_start(what, nodeid, seen))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``item.report_setup`` ...)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f'report_{report.when}', report)


@pytest.fixture(autouse=True)
def slow_guard(request, monkeypatch):
    """Fail a test not marked ``slow`` that starts a Runner, a subprocess or
    torch.multiprocessing workers (see :data:`GUARDED`)."""
    if request.node.get_closest_marker('slow') is not None:
        yield
        return
    seen: List[str] = []
    install_slow_guard(monkeypatch, request.node.nodeid, seen)
    yield
    call = getattr(request.node, 'report_call', None)
    if seen and not (call is not None and call.failed):
        # something under test swallowed the refusal
        pytest.fail(seen[0], pytrace=False)


@pytest.fixture(autouse=True)
def mmpretrain_default_scope(slow_guard):
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
