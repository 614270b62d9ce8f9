# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Fixtures of the fault suite (``tools/analysis/fault_matrix.py`` runs it).

Every test records one row of the fault table with :func:`fault_row`:
the kind ('fault': something breaks while running; 'input': something bad
or odd is given; 'baseline': the same fault without vicmae_mm's fix, to
show what it prevents), what was done, what is expected and what was
observed.
"""
import os.path as osp
import re
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
def fault_row(record_property, tmp_path_factory):
    """``fault_row(kind, fault, expected, observed, cases=1)`` records the
    row; ``cases`` counts the variants one row covers (e.g. 6 payloads).
    Temporary paths are shortened to what follows the test's folder."""
    base = re.escape(str(tmp_path_factory.getbasetemp()))

    def short(text: str) -> str:
        text = re.sub(base + r'/[^/\s\'"]+/', '', str(text))
        return re.sub(base + r'/[^/\s\'"]+', '<tmp>', text)

    def row(kind: str,
            fault: str,
            expected: str,
            observed: str,
            cases: int = 1) -> None:
        assert kind in KINDS, kind
        record_property('kind', kind)
        record_property('fault', short(fault))
        record_property('expected', short(expected))
        record_property('observed', short(observed))
        record_property('cases', int(cases))

    return row
