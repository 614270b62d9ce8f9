# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Bad-file handling shared by the frame-pair datasets (not registered)."""
import logging
import os
import os.path as osp
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.logging import print_log

from .sample_events import SampleEvent, collect_sample_events

#: Reasons that make a sample unusable (another one is drawn).
BAD_REASONS = ('missing', 'empty', 'corrupt')
#: Reasons that are recovered from (the sample is still used).
FALLBACK_REASONS = ('short_video', 'single_frame')
_MAX_FALLBACK_LOGS = 20


def check_exists(path: str, what: str, is_dir: bool = False) -> None:
    """Raise ``FileNotFoundError`` naming ``path`` when it does not exist."""
    ok = osp.isdir(path) if is_dir else osp.isfile(path)
    if not ok:
        raise FileNotFoundError(f'{what} not found: {path!r}')


def validate_ann_file(ann_file: str, min_fields: int, max_fields: int,
                      int_fields: Callable[[int], Sequence[int]],
                      expected: str, delimiter: Optional[str] = None) -> None:
    """Check every line of a list file; ``ValueError`` with file:line.

    Args:
        ann_file (str): The list file.
        min_fields (int): Fewest fields a line may have.
        max_fields (int): Most fields (-1 for no limit).
        int_fields (Callable): Maps the number of fields of a line to the
            indices that must be integers.
        expected (str): Human-readable line format for the message.
        delimiter (str, optional): Field delimiter; None splits on any
            whitespace. Defaults to None.
    """
    lineno = 0
    with open(ann_file, encoding='utf-8') as f:
        for lineno, line in enumerate(f, start=1):
            fields = line.strip().split(delimiter)
            n = len(fields) if line.strip() else 0
            bad = n < min_fields or (max_fields >= 0 and n > max_fields)
            if not bad:
                try:
                    for i in int_fields(n):
                        int(fields[i])
                except ValueError:
                    bad = True
            if bad:
                raise ValueError(f'{ann_file}:{lineno}: cannot parse '
                                 f'{line.rstrip()!r}; expected "{expected}"')
    if lineno == 0:
        raise ValueError(f'{ann_file} is empty; expected lines of '
                         f'"{expected}"')


class RobustDatasetMixin:
    """Skip bad files instead of failing; count and log them once.

    Put it first in the bases of an mmengine ``BaseDataset`` subclass and
    implement :meth:`sample_path`. ``prepare_data`` returns None for a
    missing, empty or undecodable sample, which makes ``BaseDataset`` draw
    another index (up to ``max_refetch`` times). Every bad file is logged
    once per process with its path and reason, counted per reason in
    ``bad_sample_counts`` and per file in ``bad_files``; the events are also
    attached to the next good sample's metainfo as ``data_events`` so that
    ``BadSampleCounterHook`` can sum them across DataLoader workers.

    Args:
        auto_create_demo (bool): Generate the built-in demo dataset at
            ``data_root`` first if it is missing (see
            :func:`vicmae_mm.datasets.demo.ensure_demo_dataset`).
            Defaults to False.
    """

    def __init__(self, *args, auto_create_demo: bool = False, **kwargs):
        self.auto_create_demo = auto_create_demo
        self.bad_sample_counts: Counter = Counter()
        self.bad_files: Dict[str, str] = {}
        self._logged: set = set()
        self._pending_events: List[SampleEvent] = []
        self._last_failure: Optional[str] = None
        self._last_error: Optional[BaseException] = None
        if auto_create_demo:
            from .demo import ensure_demo_dataset
            ensure_demo_dataset(kwargs.get('data_root') or '')
        super().__init__(*args, **kwargs)

    def sample_path(self, data_info: dict) -> str:
        """Return the file or folder a sample is read from."""
        raise NotImplementedError

    def check_source(self, path: str) -> Optional[str]:
        """Return 'missing' / 'empty' for an unusable source, else None."""
        if not osp.exists(path):
            return 'missing'
        if osp.isdir(path):  # first entry only: no listing per sample
            with os.scandir(path) as entries:
                return None if next(entries, None) is not None else 'empty'
        return None if osp.getsize(path) > 0 else 'empty'

    def record_event(self, reason: str, path: str, detail: str = '') -> None:
        """Count an event, log it once per file and queue it for the hook."""
        self.bad_sample_counts[reason] += 1
        if reason in BAD_REASONS:
            self.bad_files.setdefault(path, reason)
        self._pending_events.append((reason, path, detail))
        if (reason, path) in self._logged:
            return
        n_logged = sum(r == reason for r, _ in self._logged)
        if reason in BAD_REASONS or n_logged < _MAX_FALLBACK_LOGS:
            self._logged.add((reason, path))
            msg = f'{type(self).__name__}: {reason} sample {path!r}'
            print_log(msg + (f' ({detail})' if detail else ''),
                      logger='current',
                      level=logging.WARNING
                      if reason in BAD_REASONS else logging.INFO)

    def prepare_data(self, idx: int):
        """Run the pipeline; None (another draw) for a bad sample."""
        data_info = self.get_data_info(idx)
        path = self.sample_path(data_info)
        reason = self.check_source(path)
        if reason is not None:
            self._last_failure = f'{path!r} ({reason})'
            self.record_event(reason, path)
            return None
        try:
            with collect_sample_events() as events:
                data = self.pipeline(data_info)
        except Exception as e:  # decoders raise many exception types
            self._last_error = e
            detail = f'{type(e).__name__}: {e}'
            self._last_failure = f'{path!r} (corrupt: {detail})'
            self.record_event('corrupt', path, detail)
            return None
        for event in events:
            self.record_event(*event)
        if data is not None and self._pending_events:
            first = data[0] if isinstance(data, list) else data
            first['data_samples'].set_metainfo(
                dict(data_events=[e[:2] for e in self._pending_events]))
            self._pending_events = []
        return data

    def __getitem__(self, idx: int):
        try:
            return super().__getitem__(idx)
        except Exception as e:
            if self._last_failure is None or e is self._last_error:
                raise
            raise RuntimeError(
                f'{type(self).__name__}: no usable sample after '
                f'{self.max_refetch + 1} tries; last failure: '
                f'{self._last_failure}') from (self._last_error or e)
