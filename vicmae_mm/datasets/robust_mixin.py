# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Bad-file handling shared by the frame-pair datasets (not registered)."""
import logging
import os
import os.path as osp
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

from mmengine.logging import print_log

from .decode_errors import DECODER_MODULES, is_decode_error
from .sample_events import SampleEvent, collect_sample_events
from .video_ids import check_pipeline_video_ids

#: Reasons that make a sample unusable (another one is drawn).
BAD_REASONS = ('missing', 'empty', 'corrupt')
#: Reasons that are recovered from (the sample is still used).
FALLBACK_REASONS = ('short_video', 'single_frame', 'no_fps')
_MAX_FALLBACK_LOGS = 20


def check_exists(path: str, what: str, is_dir: bool = False) -> None:
    """Raise ``FileNotFoundError`` naming ``path`` when it does not exist."""
    ok = osp.isdir(path) if is_dir else osp.isfile(path)
    if not ok:
        raise FileNotFoundError(f'{what} not found: {path!r}')


def validate_ann_file(ann_file: str,
                      min_fields: int,
                      max_fields: int,
                      int_fields: Callable[[int], Sequence[int]],
                      expected: str,
                      delimiter: Optional[str] = None) -> None:
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


class NoUsableSampleError(RuntimeError):
    """Every sample tried is bad: the run cannot go on."""


class RobustDatasetMixin:
    """Skip bad files instead of failing; count and log them once.

    Put it first in the bases of an mmengine ``BaseDataset`` subclass and
    implement :meth:`sample_path`. ``prepare_data`` returns None for a
    missing or empty file and for one that does not decode
    (:func:`is_decode_error`), which makes ``BaseDataset`` draw another
    index. Any other exception (a ``KeyError`` or ``TypeError`` from a
    transform or config bug) propagates at once with its traceback. Every
    bad file is logged once per process with its path and reason, counted
    per reason in ``bad_sample_counts`` and per file in ``bad_files``; the
    events are also attached to the next good sample's metainfo as
    ``data_events`` so that ``BadSampleCounterHook`` can sum them across
    DataLoader workers.

    When every sample of the data set has turned out bad, or more than
    ``max_refetch`` draws in a row were bad, :class:`NoUsableSampleError`
    stops the run with one message naming the list, the counts and the
    last failure. In test mode a bad file cannot be replaced and raises it
    at once.

    Args:
        auto_create_demo (bool | str): Generate a built-in set at
            ``data_root`` first if it is missing: True (or ``'shapes'``) the
            demo shapes (:func:`vicmae_mm.datasets.demo.ensure_demo_dataset`),
            ``'digits'`` the learning check's moving digits
            (:func:`vicmae_mm.datasets.digit_videos.ensure_digit_videos`).
            Defaults to False.
    """

    #: See :func:`is_decode_error`; extend it in a subclass with new decoders.
    decoder_modules: Tuple[str, ...] = DECODER_MODULES

    def __init__(self,
                 *args,
                 auto_create_demo: Union[bool, str] = False,
                 **kwargs):
        self.auto_create_demo = auto_create_demo
        self.bad_sample_counts: Counter = Counter()
        self.bad_files: Dict[str, str] = {}
        self._logged: set = set()
        self._pending_events: List[SampleEvent] = []
        self._last_failure: Optional[str] = None
        self._last_error: Optional[BaseException] = None
        self._bad_indices: Set[int] = set()
        self._bad_streak = 0
        if auto_create_demo == 'digits':
            from .digit_videos import ensure_digit_videos
            ensure_digit_videos(kwargs.get('data_root') or '')
        elif auto_create_demo in (True, 'shapes'):
            from .demo import ensure_demo_dataset
            ensure_demo_dataset(kwargs.get('data_root') or '')
        elif auto_create_demo:
            raise ValueError(
                f'auto_create_demo must be False, True, "shapes" or "digits", '
                f'got {auto_create_demo!r}')
        super().__init__(*args, **kwargs)
        check_pipeline_video_ids(
            type(self).__name__, getattr(self.pipeline, 'transforms', []))

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

    def is_decode_error(self, err: BaseException) -> bool:
        """Whether ``err`` from the pipeline means a bad file (see
        :func:`is_decode_error`)."""
        return is_decode_error(err, self.decoder_modules)

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
            print_log(
                msg + (f' ({detail})' if detail else ''),
                logger='current',
                level=logging.WARNING
                if reason in BAD_REASONS else logging.INFO)

    def data_source(self) -> str:
        """The list (or folder) the samples come from, for messages."""
        ann_file = getattr(self, 'ann_file', '')
        if ann_file:
            return str(ann_file)
        prefixes = [
            str(v) for v in getattr(self, 'data_prefix', {}).values() if v
        ]
        return ', '.join(prefixes) or str(getattr(self, 'data_root', ''))

    def _bad_sample(self,
                    idx: int,
                    path: str,
                    reason: str,
                    detail: str = '') -> None:
        """Record a bad sample; stop when no usable sample can be found."""
        self._last_failure = (f'{path!r} ({reason}'
                              f'{": " + detail if detail else ""})')
        self.record_event(reason, path, detail)
        self._bad_indices.add(idx)
        self._bad_streak += 1
        n_bad, total = len(self._bad_indices), len(self)
        if not (self.test_mode or n_bad >= total
                or self._bad_streak > self.max_refetch):
            return None
        counts = ', '.join(f'{k}={v}' for k, v in sorted(
            (k, v) for k, v in self.bad_sample_counts.items()
            if k in BAD_REASONS))
        if self.test_mode:
            what = 'a bad file in test mode (it cannot be replaced)'
        elif n_bad >= total:
            what = f'all {total} samples are bad'
        else:
            what = (f'{self._bad_streak} draws in a row were bad ({n_bad} '
                    f'distinct bad samples of {total})')
        raise NoUsableSampleError(
            f'{type(self).__name__}: no usable sample in {self.data_source()}'
            f': {what}; bad draws so far: {counts}. Last failure: '
            f'{self._last_failure}. Check the list, data_root/data_prefix '
            'and the files.') from self._last_error

    def prepare_data(self, idx: int):
        """Run the pipeline; None (another draw) for a bad sample."""
        data_info = self.get_data_info(idx)
        path = self.sample_path(data_info)
        reason = self.check_source(path)
        if reason is not None:
            self._last_error = None
            return self._bad_sample(idx, path, reason)
        try:
            with collect_sample_events() as events:
                data = self.pipeline(data_info)
        except Exception as e:
            if not self.is_decode_error(e):
                raise  # a bug or a config error, not a bad file
            self._last_error = e
            return self._bad_sample(idx, path, 'corrupt',
                                    f'{type(e).__name__}: {e}')
        self._bad_streak = 0
        for event in events:
            self.record_event(*event)
        if data is not None and self._pending_events:
            first = data[0] if isinstance(data, list) else data
            first['data_samples'].set_metainfo(
                dict(data_events=[e[:2] for e in self._pending_events]))
            self._pending_events = []
        return data

    def __getitem__(self, idx: int):
        """``BaseDataset.__getitem__`` (draws again after a bad sample)."""
        self._bad_streak = 0
        return super().__getitem__(idx)
