# Copyright (c) vicmae_mm contributors. All rights reserved.
import os
import os.path as osp
from contextlib import contextmanager, suppress
from typing import Callable, Iterator, List, Optional, Tuple

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.runner.checkpoint import find_latest_checkpoint
from mmpretrain.registry import HOOKS

from ...checkpoint.atomic_write import atomic_write_bytes, tmp_files
from ...checkpoint.integrity import (CorruptCheckpointError,
                                     checkpoint_problem,
                                     latest_complete_checkpoint)


class _DeferRemovals:
    """A file backend whose ``remove``/``rmtree`` are queued, not run."""

    def __init__(self, backend, queue: List[Tuple[Callable, str]]) -> None:
        self._backend = backend
        self._queue = queue

    def remove(self, path: str) -> None:
        self._queue.append((self._backend.remove, path))

    def rmtree(self, path: str) -> None:
        self._queue.append((self._backend.rmtree, path))

    def __getattr__(self, name: str):
        return getattr(self._backend, name)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` that loses nothing when killed.

    Same arguments and files as ``CheckpointHook``; in addition:

    - checkpoint files are written atomically (temporary file, fsync,
      rename) by the local file backend that ``import vicmae_mm`` installs
      (:class:`~vicmae_mm.checkpoint.AtomicLocalBackend`), and
      ``last_checkpoint`` is rewritten the same way after mmengine writes
      it, so it only ever names a complete file;
    - old checkpoints (``max_keep_ckpts``, and the previous best with
      ``save_best``) are deleted only after the new one is complete:
      mmengine deletes first, so with ``max_keep_ckpts=1`` a kill or a full
      disk during the write left no checkpoint at all;
    - a failed save (disk full) stops the run with an error that names the
      previous, intact checkpoint;
    - on auto-resume (``resume=True`` without a path, ``--resume``), a
      ``last_checkpoint`` that is missing, empty or names a missing,
      truncated or corrupt file falls back to the newest complete
      checkpoint, with a warning; temporary files of an interrupted write
      are removed.

    Args:
        **kwargs: ``mmengine.hooks.CheckpointHook`` arguments.

    Example:
        >>> hook = AtomicCheckpointHook(interval=2, by_epoch=False)
        >>> hook.filename_tmpl
        'iter_{}.pth'
    """

    def _checkpoint_dir(self, runner) -> str:
        """Where ``CheckpointHook.before_train`` will put the files."""
        if self.out_dir is None or self.out_dir == runner.work_dir:
            return runner.work_dir
        return osp.join(self.out_dir,
                        osp.basename(runner.work_dir.rstrip(osp.sep)))

    def find_resume_checkpoint(self, runner) -> Optional[str]:
        """The checkpoint auto-resume should load, or None to start anew.

        Returns:
            str | None: The file named by ``last_checkpoint`` if it is
            complete, else the newest complete checkpoint of the folder.

        Raises:
            CorruptCheckpointError: if ``last_checkpoint`` names a damaged
                file and no complete checkpoint is left.
        """
        named = find_latest_checkpoint(runner.work_dir) or None
        folder = osp.dirname(named) if named else self._checkpoint_dir(runner)
        problem = None if named is None else checkpoint_problem(named)
        if named is not None and problem is None:
            return named
        fallback = latest_complete_checkpoint(folder,
                                              tuple(p for p in (named, ) if p),
                                              (self.filename_tmpl, ))
        if named is None:
            if fallback is not None:
                runner.logger.warning(
                    f'No usable last_checkpoint in {runner.work_dir} (the '
                    'run stopped before writing it?); resuming from the '
                    f'newest complete checkpoint {fallback}.')
            return fallback
        if fallback is None:
            raise CorruptCheckpointError(
                f'cannot resume: last_checkpoint names {named!r}, which is '
                f'{problem}, and {folder} holds no other complete '
                'checkpoint; delete the file (or last_checkpoint) to start '
                'from scratch.')
        runner.logger.warning(
            f'!!! last_checkpoint names {named}, which is {problem}. '
            f'Resuming from the previous complete checkpoint {fallback} '
            'instead.')
        return fallback

    def before_run(self, runner) -> None:
        """Resolve auto-resume (runs before the Runner loads anything)."""
        super().before_run(runner)
        if not (runner._resume and runner._load_from is None):
            return
        # [checkpoint, error]: decided on rank 0, the same on every rank
        found: List[Optional[str]] = [None, None]
        if is_main_process():
            for tmp in tmp_files(self._checkpoint_dir(runner)):
                runner.logger.info(f'Removing {tmp}, left by an '
                                   'interrupted checkpoint write.')
                with suppress(FileNotFoundError):
                    os.remove(tmp)
            try:
                found[0] = self.find_resume_checkpoint(runner)
            except CorruptCheckpointError as err:
                found[1] = str(err)
        broadcast_object_list(found)
        if found[1] is not None:
            raise CorruptCheckpointError(found[1])
        if found[0] is not None:
            runner._load_from = found[0]  # the Runner resumes from it

    @contextmanager
    def _removals_after_success(self) -> Iterator[None]:
        """Queue the file removals mmengine makes before a save; run them
        only if the save succeeds (main process)."""
        if isinstance(self.file_backend, _DeferRemovals):  # nested
            yield
            return
        removals: List[Tuple[Callable, str]] = []
        backend = self.file_backend
        self.file_backend = _DeferRemovals(backend, removals)
        try:
            yield
        finally:
            self.file_backend = backend
        if is_main_process():
            for remove, path in removals:
                remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        try:
            with self._removals_after_success():
                super()._save_checkpoint_with_step(runner, step, meta)
                if is_main_process():
                    atomic_write_bytes(
                        str(self.last_ckpt).encode(),
                        osp.join(runner.work_dir, 'last_checkpoint'))
        except OSError as err:
            previous = find_latest_checkpoint(runner.work_dir)
            kept = (f'the previous checkpoint {previous} is intact and '
                    'last_checkpoint still names it' if previous else
                    'no earlier checkpoint of this run exists')
            raise OSError(
                err.errno, f'saving checkpoint {self.last_ckpt} failed: '
                f'{err.strerror or err}; {kept}. Free space and restart '
                'with --resume.') from err

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """mmengine's, with the old best file deleted only after the new
        one is complete."""
        with self._removals_after_success():
            super()._save_best_checkpoint(runner, metrics)
