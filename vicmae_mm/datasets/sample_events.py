# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Per-sample event channel between transforms and the robust datasets.

A transform that recovers from an unusual input (for example a video that
is too short for the requested frame gap) calls :func:`report_sample_event`.
The dataset collects the events of the sample it is preparing with
:func:`collect_sample_events`, counts them and forwards them to the
``BadSampleCounterHook`` through the packed data sample's metainfo, which
also works inside DataLoader worker processes.
"""
from contextlib import contextmanager
from typing import Iterator, List, Optional, Tuple

# (reason, path, detail)
SampleEvent = Tuple[str, str, str]

_current: Optional[List[SampleEvent]] = None


def report_sample_event(reason: str, path: str, detail: str = '') -> None:
    """Report an event for the sample being prepared (no-op outside one).

    Args:
        reason (str): Short reason key, e.g. ``'short_video'``.
        path (str): File or folder the event is about.
        detail (str): Free text shown in the log. Defaults to ''.
    """
    if _current is not None:
        _current.append((reason, str(path), detail))


@contextmanager
def collect_sample_events() -> Iterator[List[SampleEvent]]:
    """Collect the events reported while the ``with`` block runs.

    Yields:
        list[tuple]: The (reason, path, detail) events, filled in place.
    """
    global _current
    previous, events = _current, []
    _current = events
    try:
        yield events
    finally:
        _current = previous
