# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Every scheme mmengine's CheckpointLoader knows goes through the safe
loader: a clean mmengine checkpoint loads, a code-running one is refused.

The remote sources are simulated: a local HTTP server for ``http://`` and
the name-based schemes (their model tables are pointed at it), a fake
petrel backend for ``s3://``/``petrel://`` and a fake ``pavi`` module.
"""
import functools
import http.server
import os.path as osp
import shutil
import sys
import threading
import types

import pytest
import torch
from mmengine.fileio.backends import BaseStorageBackend, backends
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import checkpoint as mm_ckpt
from mmengine.runner.checkpoint import CheckpointLoader
from payloads import reduce_payload

from vicmae_mm.checkpoint import (SAFE_LOADERS, TRUST_ENV_VAR,
                                  UnsafeCheckpointError,
                                  install_safe_checkpoint_loader)


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A folder served over HTTP with a clean and an evil checkpoint."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setenv('MMENGINE_HOME', str(tmp_path / 'mmengine_home'))
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    root = tmp_path / 'www'
    root.mkdir()
    # a clean checkpoint with what mmengine's message hub pickles
    torch.save(
        {
            'state_dict': {
                'backbone.w': torch.ones(2)
            },
            'message_hub': {
                'log_scalars': {
                    'loss': HistoryBuffer([1.0, 2.0], [1, 1])
                }
            }
        }, root / 'clean.pth')
    reduce_payload(str(root / 'evil.pth'), str(tmp_path / 'ran'))
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield types.SimpleNamespace(
        root=root,
        marker=tmp_path / 'ran',
        url=f'http://127.0.0.1:{server.server_address[1]}')
    server.shutdown()
    server.server_close()


class _FakePetrel(BaseStorageBackend):
    """``s3://bucket/NAME`` -> the bytes of ``ROOT/NAME``."""
    ROOT = ''

    def __init__(self, **kwargs):
        pass

    def get(self, filepath):
        with open(osp.join(self.ROOT, filepath.split('/')[-1]), 'rb') as f:
            return f.read()

    def get_text(self, filepath, encoding='utf-8'):
        return self.get(filepath).decode(encoding)


def _with_tables(monkeypatch, url):
    """Point mmengine's model-name tables at the local server."""
    table = {'clean': f'{url}/clean.pth', 'evil': f'{url}/evil.pth'}
    for getter in ('get_torchvision_models', 'get_external_models',
                   'get_mmcls_models'):
        monkeypatch.setattr(mm_ckpt, getter, lambda t=table: dict(t))


def _fake_pavi(monkeypatch, root):
    pavi = types.ModuleType('pavi')

    class _Model:

        def __init__(self, name):
            self.name = name

        def download(self, path):
            shutil.copy(osp.join(root, self.name), path)

    pavi.modelcloud = types.SimpleNamespace(
        get=lambda name: _Model(name.split('/')[-1]))
    monkeypatch.setitem(sys.modules, 'pavi', pavi)


SCHEMES = [
    'http://', 'torchvision://', 'modelzoo://', 'open-mmlab://',
    'openmmlab://', 'mmcls://', 's3://', 'petrel://', 'mybucket:s3://',
    'pavi://'
]


def test_every_known_scheme_has_a_safe_loader(fault_row):
    ours = set(SAFE_LOADERS.values())
    schemes = CheckpointLoader._schemes
    assert set(SAFE_LOADERS) <= set(schemes)
    unvetted = [
        p for p, f in schemes.items()
        if f not in ours and not hasattr(f, 'wrapped_loader')
    ]
    assert not unvetted, f'schemes without a safe loader: {unvetted}'
    assert schemes['https://'] is schemes['http://']
    fault_row('input', f'every CheckpointLoader scheme ({len(schemes)} '
              'prefixes)', 'each served by a vicmae_mm safe loader',
              f'{len(schemes)} of {len(schemes)} mapped to safe loaders')


@pytest.mark.parametrize('scheme', SCHEMES)
def test_scheme_loads_clean_and_refuses_code(scheme, served, monkeypatch,
                                             fault_row):
    _with_tables(monkeypatch, served.url)
    _FakePetrel.ROOT = str(served.root)
    monkeypatch.setitem(backends, 'petrel', _FakePetrel)
    _fake_pavi(monkeypatch, str(served.root))
    where = {
        'http://': served.url[len('http://'):] + '/{}.pth',
        'pavi://': 'project/{}.pth',
        's3://': 'bucket/{}.pth',
        'petrel://': 'bucket/{}.pth',
        'mybucket:s3://': 'bucket/{}.pth'
    }.get(scheme, '{}')
    clean = CheckpointLoader.load_checkpoint(
        scheme + where.format('clean'), map_location='cpu')
    if scheme == 'mmcls://':  # mmengine keeps the backbone only
        assert torch.equal(clean['state_dict']['w'], torch.ones(2))
    else:
        assert clean['message_hub']['log_scalars']['loss'].mean() == 1.5
    with pytest.raises(
            UnsafeCheckpointError, match='posix.system|nt.system') as err:
        CheckpointLoader.load_checkpoint(
            scheme + where.format('evil'), map_location='cpu')
    assert not served.marker.exists()
    what = str(err.value).split(': it uses ')[1].split(',')[0]
    fault_row(
        'input', f'{scheme} checkpoint (clean, then code-running)',
        'clean one loads; code-running one refused, no side effect',
        f'clean: {len(clean["state_dict"])} tensor(s) loaded; '
        f'code-running: refused ({what}); marker file: '
        f'{"created" if served.marker.exists() else "none"}')


def test_scheme_registered_by_another_package_is_refused(
        served, monkeypatch, fault_row):
    monkeypatch.setattr(CheckpointLoader, '_schemes',
                        dict(CheckpointLoader._schemes))

    def load_from_unsafe(filename, map_location=None):  # a careless loader
        return torch.load(
            osp.join(served.root, filename[len('hub://'):]),
            weights_only=False)

    CheckpointLoader.register_scheme('hub://', loader=load_from_unsafe)
    install_safe_checkpoint_loader()  # as `import vicmae_mm` does
    with pytest.raises(UnsafeCheckpointError, match="'hub://'"):
        CheckpointLoader.load_checkpoint('hub://evil.pth')
    assert not served.marker.exists()
    monkeypatch.setenv(TRUST_ENV_VAR, '1')  # explicit opt-in: it is used
    assert 'state_dict' in CheckpointLoader.load_checkpoint('hub://clean.pth')
    fault_row(
        'input', 'scheme registered by a third-party package (unsafe '
        'torch.load)', f'refused unless {TRUST_ENV_VAR}=1',
        'refused, 0 marker files; loads with the opt-in')
