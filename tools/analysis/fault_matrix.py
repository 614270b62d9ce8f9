# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Run the fault and bad-input suite and print what happened, row by row.

    python tools/analysis/fault_matrix.py [--extra NODEID ...] [-k EXPR]
        [--out table.md]

Runs every test under ``tests/test_faults/`` (one module per kind: SIGKILL
during a checkpoint write, damaged checkpoints, disk full, code-running
checkpoints, checkpoint URL schemes, bad files, bad config values, odd
inputs) plus the node ids in :data:`EXTRA_TESTS` and ``--extra``, and
prints a Markdown table: kind, input or fault, expected, observed, result.
The observed column is what the test measured (file sizes, iterations,
the first line of an error), not a restatement of the expectation. Tests
outside ``tests/test_faults/`` that record no row are listed with their
name and outcome. Exits 1 if any row is not as expected.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: Tests kept elsewhere that belong in the table (pytest node ids relative
#: to the repository root), e.g. the data suite's "gap in seconds on a video
#: without fps" test once it lands. Rows they record with the
#: ``fault_row`` fixture are used as is.
EXTRA_TESTS: List[str] = []


class RowCollector:
    """pytest plugin: one row per test from its recorded properties."""

    def __init__(self, progress: bool = True) -> None:
        self.rows: List[Dict[str, str]] = []
        self.progress = progress
        self.bar = None

    def pytest_collection_finish(self, session) -> None:
        if self.progress and session.items:
            from mmengine.utils import ProgressBar
            self.bar = ProgressBar(len(session.items), file=sys.stderr)

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.rows.append(
                dict(
                    kind='error',
                    cases=1,
                    fault=f'collecting {report.nodeid}',
                    expected='imports',
                    observed=_summary(report),
                    result='FAILED'))

    def pytest_runtest_logreport(self, report) -> None:
        failed_setup = report.when == 'setup' and not report.passed
        if report.when != 'call' and not failed_setup:
            return
        props = dict(report.user_properties)
        result = ('as expected' if report.passed else
                  'skipped' if report.skipped else 'FAILED')
        observed = props.get('observed',
                             'test passed' if report.passed else '')
        if not report.passed:
            observed = _summary(report)
        self.rows.append(
            dict(
                kind=props.get('kind', 'extra'),
                fault=props.get('fault', report.nodeid),
                expected=props.get('expected', 'the test passes'),
                observed=observed,
                cases=props.get('cases', 1),
                result=result))
        if self.bar is not None:
            self.bar.update()


def _summary(report) -> str:
    """One line about a failed or skipped report."""
    if report.skipped and isinstance(report.longrepr, tuple):
        return f'skipped: {report.longrepr[2]}'
    text = str(report.longrepr or '').strip().splitlines()
    errors = [line[1:].strip() for line in text if line.startswith('E ')]
    return (errors[0] if errors else text[-1] if text else 'failed')[:200]


def _cell(text: str) -> str:
    return ' '.join(str(text).split()).replace('|', '\\|')


def markdown_table(rows: List[Dict[str, str]]) -> str:
    """The rows as a Markdown table."""
    lines = [
        '| # | kind | input or fault | expected | observed | result |',
        '|---|---|---|---|---|---|'
    ]
    for i, row in enumerate(rows, 1):
        lines.append(f'| {i} | ' + ' | '.join(
            _cell(row[k])
            for k in ('kind', 'fault', 'expected', 'observed', 'result')) +
                     ' |')
    return '\n'.join(lines)


def summary(rows: List[Dict[str, str]]) -> str:
    """Counts for the README: faults tried, inputs tried, nothing lost."""

    def count(kind: str, ok_only: bool = False, cases: bool = False) -> int:
        return sum((int(r.get('cases', 1)) if cases else 1) for r in rows
                   if r['kind'] == kind and r['result'] != 'skipped' and (
                       r['result'] == 'as expected' or not ok_only))

    failed = [r for r in rows if r['result'] == 'FAILED']
    skipped = sum(r['result'] == 'skipped' for r in rows)
    lines = []
    for kind, label in (('fault', 'Faults'), ('input', 'Inputs')):
        lines.append(
            f'{label} tried: {count(kind)} rows covering '
            f'{count(kind, cases=True)} cases; {count(kind, True)} rows '
            f'({count(kind, True, True)} cases) as expected.')
    lines.append(f'Baselines (the same fault without vicmae_mm\'s fix): '
                 f'{count("baseline")}. Skipped: {skipped}. Other tests: '
                 f'{count("extra")}.')
    faults = count('fault')
    if faults and count('fault', True) == faults:
        lines.append('Nothing lost: after every fault the last complete '
                     'checkpoint was intact and the run resumed from it or '
                     'stopped with an error naming it.')
    if failed:
        lines.append(f'NOT AS EXPECTED: {len(failed)} row(s): ' +
                     '; '.join(r['fault'] for r in failed))
    return '\n'.join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--extra',
        nargs='+',
        default=[],
        help='more pytest node ids to include')
    parser.add_argument('-k', dest='keyword', help='pytest -k expression')
    parser.add_argument('--out', help='also write the table to this file')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import pytest
    os.chdir(REPO)
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    pytest_args = [
        'tests/test_faults', *EXTRA_TESTS, *args.extra, '-p',
        'no:cacheprovider', '-p', 'no:terminal', '-W', 'ignore'
    ]
    if args.keyword:
        pytest_args += ['-k', args.keyword]
    collector = RowCollector(progress=not args.no_progress)
    pytest.main(pytest_args, plugins=[collector])
    table = markdown_table(collector.rows)
    text = table + '\n\n' + summary(collector.rows)
    print('\n' + text)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    ok = collector.rows and all(r['result'] != 'FAILED'
                                for r in collector.rows)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
