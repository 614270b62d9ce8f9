# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Write WebDataset tar shards of pre-extracted, pre-paired frames.

Not registered; the implementation of ``tools/data/make_pair_shards.py``.
Layout: see :mod:`.shard_io`. Shard ``j`` holds the pairs of sources
``[j * V, (j + 1) * V)`` (V = ``sources_per_shard``) and each source's pairs
are drawn from a generator seeded by ``(seed, source index)``, so a rerun
writes the same shards and an interrupted run resumes by skipping the
shards that are complete (``.tar`` and ``.idx.json`` both present; they are
written as ``.tmp`` and renamed). Unreadable sources are skipped, named and
counted (in the shard index and ``shards.json``).
"""
import io
import json
import os
import os.path as osp
import shutil
import tarfile
from multiprocessing import Pool
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .frame_extraction import resize_short_side
from .pyav_decoding import decode_frames
from .shard_io import (FRAME_FIELD, META_FIELD, SHARD_TMPL, index_path,
                       scan_shard)
from .transforms.sample_frame_pair import SampleFramePair
from .video_index import get_video_index, open_container

#: (relative path, label or '', total frames for raw-frame folders or None)
Source = Tuple[str, str, Optional[int]]


def _encode(rgb: np.ndarray, short_side: int, quality: int) -> bytes:
    bgr = resize_short_side(np.ascontiguousarray(rgb[..., ::-1]), short_side)
    ok, buf = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError('JPEG encoding failed')
    return buf.tobytes()


def _read_frames(path: str, index, inds: np.ndarray,
                 filename_tmpl: str) -> List[np.ndarray]:
    """RGB frames ``inds`` (0-based) of a video or a raw-frame folder."""
    if index is not None:  # a video: exact keyframe-seek decode
        return decode_frames(open_container(path), index, inds)
    frames = []
    for i in inds:
        name = osp.join(path, filename_tmpl.format(int(i) + 1))
        img = cv2.imread(name, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'cannot read {name}')
        frames.append(img[..., ::-1])
    return frames


def pairs_of_source(job: tuple) -> Tuple[int, List[tuple], Optional[str]]:
    """Sample, decode and encode the pairs of one source (a pool task).

    Returns:
        tuple: ``(source index, [(key, {field: bytes}), ...], error)``;
        error is None or ``'<ExceptionType>: message'``.
    """
    idx, (rel, label, total), root, cfg = job
    path = osp.join(root, rel)
    sampler = SampleFramePair(**cfg['sampler'])
    try:
        index = None
        if total is None:  # a video file
            index = get_video_index(path, cache=False)
            total = index.num_frames
        fps = (index and index.fps) or sampler.default_fps
        inds, _ = sampler.sample(
            dict(total_frames=total, avg_fps=fps,
                 key_frame_inds=index and index.key_inds),
            rng=np.random.default_rng([cfg['seed'], idx]))
        frames = _read_frames(path, index, inds.reshape(-1),
                              cfg['filename_tmpl'])
        label = int(label) if str(label).lstrip('-').isdigit() else -1
        samples = []
        for p, group in enumerate(inds):
            fields = {
                FRAME_FIELD.format(t):
                _encode(frames[p * len(group) + t], cfg['short_side'],
                        cfg['quality'])
                for t in range(len(group))
            }
            gaps = np.diff(group).tolist()
            fields[META_FIELD] = json.dumps(
                dict(
                    source=rel,
                    frame_inds=group.tolist(),
                    frame_gaps=gaps,
                    gap_seconds=[g / fps for g in gaps],
                    fps=fps,
                    total_frames=int(total),
                    label=label,
                    pair_index=p)).encode()
            samples.append((f'{idx:09d}_{p:03d}', fields))
        return idx, samples, None
    except Exception as e:  # one bad source must not stop the writer
        return idx, [], f'{type(e).__name__}: {e}'


def _write_tar(path: str, samples: Sequence[tuple]) -> None:
    with tarfile.open(path, 'w', format=tarfile.USTAR_FORMAT) as tar:
        for key, fields in samples:
            for field, data in fields.items():
                info = tarfile.TarInfo(f'{key}.{field}')
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))


def _finish_shard(out_dir: str, j: int, samples: List[tuple],
                  failed: Dict[str, str]) -> int:
    shard = osp.join(out_dir, SHARD_TMPL.format(j))
    _write_tar(shard + '.tmp', samples)
    os.replace(shard + '.tmp', shard)
    side = index_path(shard)
    with open(side + '.tmp', 'w', encoding='utf-8') as f:
        json.dump(dict(samples=scan_shard(shard), failed=failed), f)
    os.replace(side + '.tmp', side)
    return len(samples)


#: how the shard writer samples by default: 8 pairs per source, 0.5-1.5 s
DEFAULT_SAMPLER = dict(min_gap=0.5, max_gap=1.5, gap_unit='second',
                       num_pairs=8)


def write_pair_shards(sources: Sequence[Source],
                      root: str,
                      out_dir: str,
                      sampler: Optional[dict] = None,
                      seed: int = 0,
                      filename_tmpl: str = 'img_{:05d}.jpg',
                      short_side: int = 320,
                      quality: int = 90,
                      sources_per_shard: int = 100,
                      num_workers: int = 1,
                      progress: bool = True) -> dict:
    """Write the shards of ``sources``; skip those already complete.

    Args:
        sources (Sequence[tuple]): ``(relative path, label or '', total
            frames)``; total frames is None for a video file and the frame
            count for a raw-frame folder (files ``filename_tmpl``, 1-based).
        root (str): Folder the paths are relative to.
        out_dir (str): Output folder (shards, indexes, ``shards.json``).
        sampler (dict, optional): Arguments of the ``SampleFramePair`` that
            draws each source's pairs (``num_pairs`` pairs per source, gaps,
            ``num_frames``, ``pair_window``, ``default_fps`` for raw frames
            and videos without a frame rate), over :data:`DEFAULT_SAMPLER`.
            Defaults to None (:data:`DEFAULT_SAMPLER`).
        seed (int): Seed of the pair sampling. Defaults to 0.
        filename_tmpl (str): Raw-frame file names. Defaults to
            'img_{:05d}.jpg'.
        short_side (int): Resize so the short side is at most this (<= 0
            keeps the size). Defaults to 320.
        quality (int): JPEG quality. Defaults to 90.
        sources_per_shard (int): Sources per shard. Defaults to 100.
        num_workers (int): Processes. Defaults to 1.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: ``shards`` (paths, in order), ``samples`` (count), ``failed``
        (source -> reason) and ``written`` (shards written by this call).
    """
    if not sources:
        raise ValueError(f'no sources to write to {out_dir!r}')
    sampler = {**DEFAULT_SAMPLER, **(sampler or {})}
    SampleFramePair(**sampler)  # a bad argument fails here, not per source
    os.makedirs(out_dir, exist_ok=True)
    cfg = dict(sampler=sampler, short_side=short_side, quality=quality,
               seed=seed, filename_tmpl=filename_tmpl)
    n_shards = -(-len(sources) // sources_per_shard)
    shards = [osp.join(out_dir, SHARD_TMPL.format(j)) for j in range(n_shards)]
    todo = [
        j for j, s in enumerate(shards)
        if not (osp.isfile(s) and osp.isfile(index_path(s)))
    ]
    jobs = [(i, tuple(sources[i]), root, cfg) for j in todo for i in range(
        j * sources_per_shard, min((j + 1) * sources_per_shard, len(sources)))]
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(jobs))
    pending: Dict[int, Tuple[List[tuple], Dict[str, str]]] = {}
    pool = Pool(num_workers) if num_workers > 1 else None
    results = (
        pool.imap(pairs_of_source, jobs) if pool else map(
            pairs_of_source, jobs))
    try:
        for idx, samples, error in results:
            j = idx // sources_per_shard
            part = pending.setdefault(j, ([], {}))
            part[0].extend(samples)
            if error:
                part[1][sources[idx][0]] = error
            if idx == min((j + 1) * sources_per_shard, len(sources)) - 1:
                _finish_shard(out_dir, j, *pending.pop(j))
            bar and bar.update()
    finally:
        if pool:
            pool.close()
            pool.join()
    return write_manifest(out_dir, shards, len(todo), cfg)


def write_manifest(out_dir: str, shards: List[str], written: int,
                   cfg: dict) -> dict:
    """Sum the shard indexes into ``shards.json``; return its content."""
    counts, failed = [], {}
    for shard in shards:
        with open(index_path(shard), encoding='utf-8') as f:
            side = json.load(f)
        counts.append(len(side['samples']))
        failed.update(side.get('failed', {}))
    manifest = dict(
        shards=[osp.basename(s) for s in shards],
        counts=counts,
        samples=sum(counts),
        failed=failed,
        config=cfg)
    with open(osp.join(out_dir, 'shards.json'), 'w', encoding='utf-8') as f:
        json.dump(manifest, f, indent=1)
    return dict(
        shards=shards, samples=sum(counts), failed=failed, written=written)


#: pairs of the demo shards: 4-16 frames apart (0.25-1 s at 16 fps)
DEMO_SHARDS = dict(
    sampler=dict(min_gap=4, max_gap=16, gap_unit='frame', num_pairs=4),
    short_side=0,
    sources_per_shard=8)


def ensure_demo_shards(data_root: str, folder: str = 'shards') -> bool:
    """Write the demo set's training videos as shards unless present.

    ``data_root/<folder>/`` gets 3 shards of 8 videos x 4 pairs (written
    in a temporary folder and renamed, so concurrent callers never see a
    half-written set).

    Returns:
        bool: Whether the shards were written now.
    """
    from .frame_extraction import read_video_list
    out = osp.join(data_root, folder)
    if osp.isfile(osp.join(out, 'shards.json')):
        return False
    videos = [(osp.join('videos', p), label, None)
              for p, label in read_video_list(
                  osp.join(data_root, 'videos_train.txt'))]
    tmp = f'{out.rstrip("/")}.tmp{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    write_pair_shards(videos, data_root, tmp, progress=False, **DEMO_SHARDS)
    try:
        os.rename(tmp, out)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    return True
