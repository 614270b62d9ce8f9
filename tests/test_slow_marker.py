# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The ``slow`` marker's guard (tests/conftest.py) and its registration.

Each test writes a small test file and runs it in-process with pytester,
under a copy of the real ``tests/conftest.py`` and ``pytest.ini``.
"""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

UNMARKED = '''
import subprocess

import pytest


def test_popen():
    subprocess.Popen(['true']).wait()


def test_run_swallowed():
    try:
        subprocess.run(['true'], check=True)
    except Exception:
        pass


def test_runner():
    from mmengine.runner import Runner
    Runner(model=None, work_dir='unused')


def test_torch_spawn():
    import torch.multiprocessing as mp
    mp.spawn(print, nprocs=1)


def test_process_pool():
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(1) as pool:
        pool.submit(print).result()


def test_plain():
    assert 1 + 1 == 2
'''

MARKED = '''
import subprocess

import pytest


@pytest.mark.slow
def test_popen():
    subprocess.run(['true'], check=True)
'''


@pytest.fixture
def suite(pytester):
    """pytester with the project's conftest and pytest.ini."""
    pytester.makeconftest((ROOT / 'tests' / 'conftest.py').read_text())
    pytester.makeini((ROOT / 'pytest.ini').read_text())
    return pytester


def test_unmarked_tests_that_start_processes_fail(suite):
    suite.makepyfile(test_inner=UNMARKED)
    result = suite.runpytest_inprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(passed=1, failed=5)
    out = result.stdout.str()
    for name, what in [('test_popen', 'a subprocess'),
                       ('test_run_swallowed', 'a subprocess'),
                       ('test_runner', 'an mmengine Runner'),
                       ('test_torch_spawn', 'torch.multiprocessing'),
                       ('test_process_pool', 'a multiprocessing process')]:
        assert f'test_inner.py::{name} starts {what}' in out, (name, out)
    assert 'add `@pytest.mark.slow`' in out
    # the swallowed refusal fails once (teardown), not as an extra error
    assert 'error' not in result.parseoutcomes()


@pytest.mark.slow  # its inner test starts a real subprocess
def test_marked_test_runs_and_not_slow_deselects_it(suite):
    suite.makepyfile(test_inner=MARKED)
    suite.runpytest_inprocess('-p', 'no:cacheprovider').assert_outcomes(
        passed=1)
    fast = suite.runpytest_inprocess('-p', 'no:cacheprovider', '-m',
                                     'not slow')
    fast.assert_outcomes(deselected=1)


def test_unknown_marker_is_an_error(suite):
    suite.makepyfile(test_inner='''
import pytest


@pytest.mark.slwo
def test_typo():
    pass
''')
    result = suite.runpytest_inprocess('-p', 'no:cacheprovider')
    assert result.ret != 0
    assert "'slwo' not found in `markers`" in result.stdout.str()
