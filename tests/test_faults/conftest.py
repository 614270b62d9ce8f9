# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Fixtures of the fault suite (``tools/analysis/fault_matrix.py`` runs it).

Every test records one row of the fault table with :func:`fault_row`:
the kind ('fault': something breaks while running; 'input': something bad
or odd is given; 'baseline': the same fault without vicmae_mm's fix, to
show what it prevents), what was done, what is expected and what was
observed.
"""
import os.path as osp
import sys

import pytest

HERE = osp.dirname(osp.abspath(__file__))
# shared tiny setups: the in-process toy Runner and the tools' tiny configs
for _folder in ('test_checkpoint', 'test_tools'):
    _path = osp.join(osp.dirname(HERE), _folder)
    if _path not in sys.path:
        sys.path.insert(0, _path)

KINDS = ('fault', 'input', 'baseline')


@pytest.fixture
def fault_row(record_property):
    """``fault_row(kind, fault, expected, observed)`` records the row."""

    def row(kind: str, fault: str, expected: str, observed: str) -> None:
        assert kind in KINDS, kind
        record_property('kind', kind)
        record_property('fault', fault)
        record_property('expected', expected)
        record_property('observed', observed)

    return row
