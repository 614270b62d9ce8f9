# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Exact frame decoding with PyAV: seek to a keyframe, decode forward.

Not registered; the implementation behind ``ExactVideoDecode`` (and the
fallback of ``SortedDecordDecode``). Frames are identified by their
presentation timestamp, never by counting after a seek, so the result is
the frame a sequential decode from the start returns (see
:mod:`vicmae_mm.datasets.video_index`). Every inconsistency (a seek that
lands after the keyframe, a wanted frame that does not come out, a frame
flagged corrupt after a seek) falls back to decoding from the start; what
still fails raises ``ValueError`` naming the file, which the robust datasets
count as a corrupt sample.
"""
from typing import Dict, List, Sequence

import numpy as np

from .decode_errors import CorruptSampleError
from .video_index import VideoIndex, decode_runs, named_error, open_container


class _SeekMiss(Exception):
    """A forward decode after a seek did not give the wanted frames."""


def configure_stream(stream, num_threads: int = 1) -> None:
    """Set the decoder's threads (1: none; 0: FFmpeg's choice of count)."""
    if num_threads == 1:
        stream.thread_type = 'SLICE'
        stream.thread_count = 1
    else:
        stream.thread_type = 'AUTO'  # frame + slice threads
        stream.thread_count = max(num_threads, 0)


def _to_rgb(frame, pts: int) -> np.ndarray:
    if frame.is_corrupt:
        raise _SeekMiss(f'frame at pts {pts} decoded with errors')
    return frame.to_ndarray(format='rgb24')


def _decode_pts(container, index: VideoIndex, wanted: Sequence[int],
                start_key: int, seek: bool,
                skip_nonref: bool) -> Dict[int, np.ndarray]:
    """Decode forward from keyframe ``start_key`` until every wanted frame.

    Returns:
        dict[int, np.ndarray]: display index -> (H, W, 3) uint8 RGB.
    """
    stream = container.streams.video[0]
    ctx = stream.codec_context
    pending = {int(index.pts[i]): int(i) for i in wanted}
    last = max(pending)
    key_pts = int(index.pts[start_key])
    if seek:
        key_pos = int(index.key_pos[np.searchsorted(index.key_inds,
                                                    start_key)])
        if index.indexed_container or key_pos < 0:
            container.seek(
                key_pts, stream=stream, backward=True, any_frame=False)
        else:  # MPEG-TS/PS, raw streams: timestamp seeks are unreliable
            container.seek(key_pos, unsupported_byte_offset=True)
        ctx.flush_buffers()
    out: Dict[int, np.ndarray] = {}
    first = True

    def take(frames) -> None:
        nonlocal first
        for frame in frames:
            pts = frame.pts
            if pts is None:
                raise _SeekMiss('a decoded frame has no timestamp')
            if pts < key_pts:  # leading frames of an open GOP: not ours
                continue
            if first and seek and pts > key_pts:
                raise _SeekMiss(f'seek to pts {key_pts} landed at {pts}')
            first = False
            if pts in pending:
                out[pending.pop(pts)] = _to_rgb(frame, pts)
            elif pending and pts > min(pending):
                raise _SeekMiss(f'pts {min(pending)} was not decoded')

    for packet in container.demux(stream):
        if packet.size == 0:
            break
        if skip_nonref:
            # a frame nobody wants need not be decoded unless it is a
            # reference for later frames (FFmpeg's AVDISCARD_NONREF)
            ctx.skip_frame = ('DEFAULT' if packet.pts is None
                              or packet.pts in pending else 'NONREF')
        take(ctx.decode(packet))
        if not pending:
            break
    if pending:
        ctx.skip_frame = 'DEFAULT'
        take(ctx.decode(None))  # drain the decoder at the end of the file
    ctx.skip_frame = 'DEFAULT'
    if pending:
        raise _SeekMiss(f'frames at pts {sorted(pending)[:4]} not decoded '
                        f'(last wanted {last})')
    return out


def _decode_sequential(path: str, index: VideoIndex, wanted: Sequence[int],
                       num_threads: int) -> Dict[int, np.ndarray]:
    """The reference: decode from the start, frames in output order."""
    wanted_set = set(int(i) for i in wanted)
    last = max(wanted_set)
    out: Dict[int, np.ndarray] = {}
    by_pts = index.mode == 'pts'  # identify by timestamp, as everywhere
    pos = {int(index.pts[i]): i for i in wanted_set} if by_pts else {}
    container = open_container(path)
    try:
        stream = container.streams.video[0]
        configure_stream(stream, num_threads)
        for count, frame in enumerate(container.decode(stream)):
            i = pos.get(frame.pts) if by_pts else count
            if i in wanted_set:
                if frame.is_corrupt:
                    raise CorruptSampleError(
                        f'{path}: frame {i} decodes with errors even from '
                        'the start')
                out[i] = frame.to_ndarray(format='rgb24')
            if len(out) == len(wanted_set) or (not by_pts and count >= last):
                break
    except Exception as e:  # FFmpeg errors of a broken file
        raise named_error(path, e, 'decoding failed') from e
    finally:
        container.close()
    missing = sorted(wanted_set - set(out))
    if missing:
        raise CorruptSampleError(
            f'{path}: frames {missing[:8]} were not produced by a '
            f'sequential decode ({index.num_frames} packets)')
    return out


def decode_frames(container,
                  index: VideoIndex,
                  frame_inds: Sequence[int],
                  num_threads: int = 1,
                  skip_nonref: bool = True) -> List[np.ndarray]:
    """Decode display frames ``frame_inds`` exactly, in the given order.

    One forward decode per keyframe run (:func:`decode_runs`): the sorted
    unique frames are decoded once each and returned in the requested
    order (duplicates share one array).

    Args:
        container: Open PyAV container of ``index.path`` (closed here).
        index (VideoIndex): Its index.
        frame_inds (Sequence[int]): Display indices, 0-based.
        num_threads (int): Decoder threads (1 = none, 0 = FFmpeg's
            choice). Defaults to 1.
        skip_nonref (bool): Skip decoding non-reference frames that are
            not wanted (pixel-identical, 20-40% faster). Defaults to True.

    Returns:
        list[np.ndarray]: (H, W, 3) uint8 RGB frames.

    Raises:
        ValueError: An index outside the video, or frames the decoder does
            not produce even from the start (message names the file).
    """
    inds = np.asarray(frame_inds, dtype=np.int64).reshape(-1)
    if inds.size and (inds.min() < 0 or inds.max() >= index.num_frames):
        container.close()
        raise CorruptSampleError(
            f'{index.path}: frame indices {inds.tolist()} '
            f'outside [0, {index.num_frames})')
    out: Dict[int, np.ndarray] = {}
    try:
        if index.mode == 'pts' and inds.size and index.seek_ok is not False:
            configure_stream(container.streams.video[0], num_threads)
            for key, frames in decode_runs(index, inds):
                out.update(
                    _decode_pts(container, index, frames, key, True,
                                skip_nonref))
            index.seek_ok = True
    except _SeekMiss:
        out = {}  # decode from the start, now and for later samples
        index.seek_ok = False
    except Exception as e:  # FFmpeg errors of a broken file
        raise named_error(index.path, e, 'decoding failed') from e
    finally:
        container.close()
    if len(out) < len(set(inds.tolist())):
        out = _decode_sequential(index.path, index, inds.tolist(), num_threads)
    return [out[int(i)] for i in inds]
