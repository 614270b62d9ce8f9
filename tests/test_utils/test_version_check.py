# Copyright (c) vicmae_mm contributors. All rights reserved.
import builtins
import subprocess
import sys

import mmengine
import pytest

from vicmae_mm.utils import version_check


def test_installed_stack_is_supported():
    version_check.check_versions()


def test_out_of_range_version_is_named(monkeypatch):
    monkeypatch.setattr(mmengine, '__version__', '0.9.1')
    with pytest.raises(ImportError) as err:
        version_check.check_versions()
    msg = str(err.value)
    assert 'mmengine==0.9.1' in msg and '>=0.10.0,<1.0.0' in msg


@pytest.mark.slow
def test_import_time_check_fires():
    """``import vicmae_mm`` itself refuses an unsupported stack."""
    code = ('import mmpretrain; mmpretrain.__version__ = "2.0.0"; '
            'import vicmae_mm')
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'mmpretrain==2.0.0 (supported: >=1.2.0,<1.3.0)' in proc.stderr


def test_missing_mmcv_names_both_packages(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == 'mmcv':
            raise ImportError('No module named mmcv')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', fake_import)
    monkeypatch.setattr(version_check.importlib, 'import_module',
                        lambda n: fake_import(n))
    with pytest.raises(ImportError) as err:
        version_check.check_versions()
    assert 'mmcv-lite' in str(err.value) and 'mim install' in str(err.value)


def test_rc_versions_order():
    vt = version_check._version_tuple
    assert vt('2.0.0rc4') < vt('2.0.0') < vt('2.0.1') < vt('2.1.0')
