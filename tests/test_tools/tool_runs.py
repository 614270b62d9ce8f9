# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Running the tools in subprocesses and reading what they wrote (not a
test): environment, free port, scalars, checkpoints, kill-and-resume."""
import os
import os.path as osp
import re
import socket
import subprocess
import sys
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PYTHON = sys.executable
HERE = osp.dirname(osp.abspath(__file__))


def tool_env(root: str, **extra: str) -> Dict[str, str]:
    """Environment for a tool subprocess: ``root`` (the written configs),
    the repository and tiny_helper.py importable, 1 thread."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [root, REPO, HERE, env.get('PYTHONPATH', '')])
    env['OMP_NUM_THREADS'] = '1'
    env['PYTHON'] = PYTHON
    env.pop('TINY_KILL_AT', None)
    env.update(extra)
    return env


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_tool(args: List[str],
             root: str,
             timeout: float = 60,
             **extra: str) -> subprocess.CompletedProcess:
    """Run ``args`` (a command line) from the repo root, capture output."""
    return subprocess.run(
        args,
        cwd=REPO,
        env=tool_env(root, **extra),
        capture_output=True,
        text=True,
        timeout=timeout)


def read_scalars(work_dir: str) -> List[Dict[str, List[dict]]]:
    """Parse every ``vis_data/scalars.json`` under ``work_dir``.

    Returns:
        list[list[dict]]: One list of records per run, oldest run first.
    """
    import json
    runs = []
    for stamp in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, stamp, 'vis_data', 'scalars.json')
        if re.fullmatch(r'\d{8}_\d{6}', stamp) and osp.exists(path):
            with open(path) as f:
                runs.append([json.loads(line) for line in f if line.strip()])
    return runs


def losses_by_iter(records: List[dict], key: str = 'loss') -> Dict[int, float]:
    """``{iter: value}`` of ``key`` from scalars.json records."""
    return {r['iter']: r[key] for r in records if key in r}


def last_checkpoint(work_dir: str) -> Optional[str]:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(path):
        return None
    with open(path) as f:
        return f.read().strip()


def kill_then_resume(cfg: str,
                     root: str,
                     kill_at: int,
                     timeout: float = 240) -> Dict[str, object]:
    """Train ``cfg`` three ways with ``tools/train.py``.

    An uninterrupted reference run (work dir ``root/full``) runs beside a run
    that SIGKILLs itself after iteration ``kill_at`` (``root/killed``), which
    is then restarted with ``--resume``. Asserts that each process ended as
    expected.

    Returns:
        dict: ``killed_dir``, ``full_dir``, ``after_kill`` (the
        ``last_checkpoint`` right after the kill) and ``resumed`` (the
        resumed run's CompletedProcess).
    """
    import signal
    killed_dir, full_dir = osp.join(root, 'killed'), osp.join(root, 'full')
    full = subprocess.Popen(
        [PYTHON, 'tools/train.py', cfg, '--work-dir', full_dir],
        cwd=REPO,
        env=tool_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True)
    try:
        killed = run_tool(
            [PYTHON, 'tools/train.py', cfg, '--work-dir', killed_dir],
            root,
            timeout=timeout,
            TINY_KILL_AT=str(kill_at))
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
        after_kill = last_checkpoint(killed_dir)
        resumed = run_tool([
            PYTHON, 'tools/train.py', cfg, '--work-dir', killed_dir, '--resume'
        ],
                           root,
                           timeout=timeout)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        _, err = full.communicate(timeout=timeout)
        assert full.returncode == 0, err[-3000:]
    finally:
        if full.poll() is None:
            full.kill()
            full.wait()
    return dict(
        killed_dir=killed_dir,
        full_dir=full_dir,
        after_kill=after_kill,
        resumed=resumed)
