# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Every checkpoint loading path refuses a pickle that would run code.

Six payloads (see ``payloads.py``) against every way a checkpoint gets
loaded in this project: mmengine's ``CheckpointLoader`` (any caller),
resume from a path, auto-resume through ``last_checkpoint``, ``load_from``,
``init_cfg=Pretrained``, mmengine's ``load_checkpoint``, the converters
(library and the three tools), the reconstruction visualiser and the probe
tool. Each must refuse with ``UnsafeCheckpointError`` and leave no marker
file; each payload is first shown to be live under the full unpickler.
"""
import os.path as osp

import pytest
import torch
from fault_helpers import first_line, load_tool, pretrained_init
from mmengine.runner.checkpoint import CheckpointLoader
from payloads import PAYLOADS
from toy_runner import toy_runner

from vicmae_mm.checkpoint import TRUST_ENV_VAR, UnsafeCheckpointError


def _auto_resume(path, tmp):
    with open(osp.join(tmp, 'last_checkpoint'), 'w') as f:
        f.write(path)
    toy_runner(tmp, max_epochs=1, resume=True).train()


def _converter(tool, *extra):

    def run(path, tmp):
        load_tool(f'tools/model_converters/{tool}.py').main(
            [path, osp.join(tmp, 'out.pth'), *extra])

    return run


def _mmengine_load_checkpoint(path, tmp):
    from mmengine.runner import load_checkpoint
    load_checkpoint(torch.nn.Linear(2, 2), path, map_location='cpu')


def _converters_library(path, tmp):
    from vicmae_mm.converters import load_state_dict_file
    load_state_dict_file(path)


def _visualiser(path, tmp):
    from test_visualize_reconstruction import TINY_CFG  # tiny ViC-MAE
    cfg = osp.join(tmp, 'tiny.py')
    with open(cfg, 'w') as f:
        f.write(TINY_CFG)
    load_tool('tools/visualization/visualize_reconstruction.py').build_model(
        cfg, path)


def _probe(path, tmp):
    load_tool('tools/analysis/linear_probe.py').build_probe_model(path)


PATHS = {
    'mmengine CheckpointLoader':
    lambda p, tmp: CheckpointLoader.load_checkpoint(p, map_location='cpu'),
    'resume from a path (--resume PATH)':
    lambda p, tmp: toy_runner(tmp, max_epochs=1, resume=True, load_from=p).
    train(),
    'auto-resume via last_checkpoint (--resume)':
    _auto_resume,
    'load_from':
    lambda p, tmp: toy_runner(tmp, max_epochs=1, load_from=p).train(),
    "init_cfg=dict(type='Pretrained')":
    lambda p, tmp: pretrained_init(p),
    'mmengine load_checkpoint(model, path)':
    _mmengine_load_checkpoint,
    'vicmae_mm.converters.load_state_dict_file':
    _converters_library,
    'tools/model_converters/vicmae_to_mmpretrain.py':
    _converter('vicmae_to_mmpretrain'),
    'tools/model_converters/vicmae_to_mmaction.py':
    _converter('vicmae_to_mmaction'),
    'tools/model_converters/official_to_vicmae.py':
    _converter('official_to_vicmae'),
    'tools/visualization/visualize_reconstruction.py':
    _visualiser,
    'tools/analysis/linear_probe.py':
    _probe,
}


def test_payloads_are_live(tmp_path, fault_row):
    """Control: the full unpickler does run every payload."""
    ran = []
    for i, (name, write) in enumerate(PAYLOADS.items()):
        path, marker = tmp_path / f'{i}.pth', tmp_path / f'ran_{i}'
        write(str(path), str(marker))
        torch.load(path, weights_only=False)
        if marker.exists():
            ran.append(name)
    assert ran == list(PAYLOADS)
    fault_row(
        'input', f'control: {len(PAYLOADS)} payloads loaded with '
        'torch.load(weights_only=False)',
        'each one runs its code (the payloads are live)',
        f'{len(ran)} of {len(PAYLOADS)} created their marker file',
        cases=len(PAYLOADS))


@pytest.mark.slow
@pytest.mark.parametrize('path_name', list(PATHS))
def test_loading_path_refuses_code(path_name, tmp_path, monkeypatch,
                                   fault_row):
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    refused = []
    for i, (name, write) in enumerate(PAYLOADS.items()):
        work = tmp_path / f'work{i}'
        work.mkdir()
        ckpt, marker = work / f'evil{i}.pth', tmp_path / f'ran_{i}'
        write(str(ckpt), str(marker))
        with pytest.raises(UnsafeCheckpointError) as err:
            PATHS[path_name](str(ckpt), str(work))
        assert not marker.exists(), (path_name, name)
        line = first_line(err.value)
        assert line.startswith('Refused to load') and TRUST_ENV_VAR in line
        assert f'evil{i}.pth' in line, line
        refused.append(line.split(': it uses ')[1].split(', which')[0])
    fault_row(
        'input', f'{len(PAYLOADS)} code-running checkpoints through '
        f'{path_name}', 'UnsafeCheckpointError naming the global and '
        'the opt-in; no side effect',
        f'{len(refused)} refused, 0 marker files; refused for: ' +
        '; '.join(sorted(set(refused))),
        cases=len(PAYLOADS))


def test_refusal_first_line_names_global_and_opt_in(tmp_path, fault_row):
    path = tmp_path / 'evil.pth'
    PAYLOADS['reduce -> os.system'](str(path), str(tmp_path / 'ran'))
    with pytest.raises(UnsafeCheckpointError) as err:
        CheckpointLoader.load_checkpoint(str(path))
    line = first_line(err.value)
    assert 'posix.system' in line or 'nt.system' in line
    assert f'{TRUST_ENV_VAR}=1' in line and 'weights_only' not in line
    assert 'torch.load said: Weights only load failed' in str(err.value)
    fault_row(
        'input', 'refusal message', 'first line names the global and '
        f'the opt-in, torch\'s text after it', line)
