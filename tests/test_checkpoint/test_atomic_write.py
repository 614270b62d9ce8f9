# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Atomic local writes and AtomicCheckpointHook's bookkeeping."""
import multiprocessing
import os
import stat
import subprocess
import threading

import pytest
from mmengine.fileio import get_file_backend
from toy_runner import toy_runner

import vicmae_mm.checkpoint.atomic_write as atomic_write
from vicmae_mm.checkpoint import AtomicLocalBackend, atomic_write_bytes


def test_local_backend_is_atomic_after_import(tmp_path):
    backend = get_file_backend(str(tmp_path / 'x.pth'))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'abc', tmp_path / 'sub' / 'x.pth')
    backend.put_text('é', tmp_path / 'sub' / 'y.txt')
    assert (tmp_path / 'sub' / 'x.pth').read_bytes() == b'abc'
    assert (tmp_path / 'sub' / 'y.txt').read_text(encoding='utf-8') == 'é'


def test_interrupted_write_leaves_old_content(tmp_path, monkeypatch):
    target = tmp_path / 'ckpt.pth'
    target.write_bytes(b'old complete file')

    def interrupted(fd, data):
        os.write(fd, data[:3])
        raise KeyboardInterrupt  # or a signal handler raising

    monkeypatch.setattr(atomic_write, '_write_all', interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(b'new content', target)
    assert target.read_bytes() == b'old complete file'
    assert not atomic_write.tmp_files(str(tmp_path))


def test_stale_temporary_files_are_removed(tmp_path):
    stale = tmp_path / f'.a.pth.deadbeef{atomic_write.TMP_SUFFIX}'
    other = tmp_path / f'.b.pth.deadbeef{atomic_write.TMP_SUFFIX}'
    stale.write_bytes(b'partial')
    other.write_bytes(b'partial')
    atomic_write_bytes(b'x', tmp_path / 'a.pth')
    assert not stale.exists() and other.exists()  # same target only


def test_symlink_target_is_replaced_and_mode_follows_umask(tmp_path):
    real = tmp_path / 'real.pth'
    real.write_bytes(b'old')
    link = tmp_path / 'link.pth'
    link.symlink_to(real)
    atomic_write_bytes(b'new', link)
    assert link.is_symlink() and real.read_bytes() == b'new'
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(real.stat().st_mode) == 0o666 & ~umask


def test_non_regular_target_written_in_place():
    atomic_write_bytes(b'discarded', '/dev/null')  # no rename over a device


@pytest.mark.slow
def test_pruning_happens_after_the_new_checkpoint(tmp_path):
    runner = toy_runner(tmp_path, max_epochs=4, max_keep_ckpts=2)
    runner.train()
    names = sorted(n for n in os.listdir(tmp_path) if n.endswith('.pth'))
    assert names == ['epoch_3.pth', 'epoch_4.pth']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path /
                                                             'epoch_4.pth')
    assert not atomic_write.tmp_files(str(tmp_path))


@pytest.mark.slow
def test_previous_best_kept_when_saving_the_new_best_fails(
        tmp_path, monkeypatch):
    from vicmae_mm.engine.hooks import AtomicCheckpointHook
    runner = toy_runner(tmp_path, max_epochs=1)
    runner.train()
    hook = AtomicCheckpointHook(interval=1, save_best='acc', rule='greater')
    hook.before_train(runner)
    hook._save_best_checkpoint(runner, {'acc': 0.5})
    best = [n for n in os.listdir(tmp_path) if n.startswith('best_acc')]
    assert len(best) == 1

    def full_disk(fd, data):
        raise OSError(28, os.strerror(28))

    monkeypatch.setattr(atomic_write, '_write_all', full_disk)
    runner.train_loop._epoch += 1  # a later epoch, a better score
    with pytest.raises(OSError):
        hook._save_best_checkpoint(runner, {'acc': 0.9})
    assert [n for n in os.listdir(tmp_path) if n.startswith('best_acc')
            ] == best  # the old best is kept


def _hammer(path, writer, rounds, start):
    """Write ``path`` ``rounds`` times with content naming ``writer``."""
    start.wait()
    for i in range(rounds):
        atomic_write_bytes(f'{writer}:{i};'.encode() * 2000, path)


def _check_complete(path, writers, rounds):
    data = path.read_bytes()
    writer, i = data[:data.index(b';')].decode().split(':')
    assert writer in writers and 0 <= int(i) < rounds
    assert data == f'{writer}:{i};'.encode() * 2000  # one whole write
    assert not atomic_write.tmp_files(str(path.parent))


def test_concurrent_threads_write_one_file(tmp_path):
    """Every writer used to delete the other writers' temporary files of
    the same target after its rename (as 'stale'), so a concurrent writer's
    os.replace failed with FileNotFoundError."""
    path = tmp_path / 'results.json'
    writers = [f't{n}' for n in range(8)]
    start = threading.Barrier(len(writers))
    errors = []

    def run(writer):
        try:
            _hammer(path, writer, 40, start)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=run, args=(w, )) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    _check_complete(path, writers, 40)


@pytest.mark.slow
def test_concurrent_processes_write_one_file(tmp_path):
    """Four processes (like the ranks of a distributed run, which all dump
    the test results to the same json) write one file 40 times each."""
    ctx = multiprocessing.get_context('fork')
    path = tmp_path / 'results.json'
    start = ctx.Barrier(4)
    procs = [
        ctx.Process(target=_hammer, args=(path, f'p{n}', 40, start))
        for n in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 4
    _check_complete(path, [f'p{n}' for n in range(4)], 40)


@pytest.mark.slow
def test_only_dead_writers_temporary_files_are_stale(tmp_path):
    target = tmp_path / 'a.pth'
    host, me = atomic_write._HOST, os.getpid()
    dead = subprocess.Popen(['true'])
    dead.wait()  # reaped: its pid names no process
    names = {
        'ours': f'.a.pth.{host}-{me}-0000abcd{atomic_write.TMP_SUFFIX}',
        'parent': f'.a.pth.{host}-{os.getppid()}-0000abcd'
        f'{atomic_write.TMP_SUFFIX}',
        'dead': f'.a.pth.{host}-{dead.pid}-0000abcd{atomic_write.TMP_SUFFIX}',
        'other host': f'.a.pth.00000000-{dead.pid}-0000abcd'
        f'{atomic_write.TMP_SUFFIX}',
        'old name': f'.a.pth.0000abcd{atomic_write.TMP_SUFFIX}',
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b'partial')
    stale = {os.path.basename(p) for p in atomic_write.stale_tmp_files(
        str(target))}
    assert stale == {names['dead'], names['old name']}
    atomic_write_bytes(b'x', target)
    left = {p.name for p in tmp_path.iterdir()} - {'a.pth'}
    assert left == {names['ours'], names['parent'], names['other host']}
