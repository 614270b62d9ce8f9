# Copyright (c) vicmae_mm contributors. All rights reserved.
"""The README's quick start stays true: CI runs its test command verbatim."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands():
    text = (ROOT / 'README.md').read_text()
    section = text.split('## Quick start', 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```bash\n(.*?)\n```', section, flags=re.S)


def test_ci_runs_the_readme_test_command_verbatim():
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    test_cmd = commands[1].strip()
    assert 'pytest' in test_cmd
    ci = (ROOT / '.ci' / 'run').read_text()
    assert test_cmd in ci.replace(' \\\n    ||', ' ||')


def test_demo_command_points_at_existing_files():
    demo_cmd = _quick_start_commands()[0]
    for path in re.findall(r'((?:configs|tools|requirements)/[\w./-]+)',
                           demo_cmd):
        assert (ROOT / path).exists(), path


def _section(title):
    text = (ROOT / 'README.md').read_text()
    return text.split(f'## {title}', 1)[1].split('\n## ', 1)[0]


def test_development_commands_are_the_fast_loop_and_the_ci_suite():
    """The fast loop deselects the registered ``slow`` marker; the full
    suite is CI's pytest command."""
    fast, full = re.findall(r'```bash\n(.*?)\n```', _section('Development'),
                            flags=re.S)
    assert fast.strip() == '.venv/bin/python -m pytest tests -m "not slow"'
    ci_pytest = _quick_start_commands()[1].split(' && ')[-1].strip()
    assert full.strip() == ci_pytest
    assert '--durations=15' in ci_pytest
    ini = (ROOT / 'pytest.ini').read_text()
    assert re.search(r'^markers =\n\s+slow:', ini, flags=re.M)
    assert '--strict-markers' in ini
