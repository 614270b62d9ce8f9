# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Video -> JPEG frame folders (implementation of tools/data/extract_frames).

Not registered; used by ``tools/data/extract_frames.py`` and the demo set.
"""
import os
import os.path as osp
import shutil
from multiprocessing import Pool
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

FRAME_TMPL = 'img_{:05d}.jpg'


def resize_short_side(frame: np.ndarray, short_side: int) -> np.ndarray:
    """Downscale so the short side is ``short_side`` (never upscale)."""
    h, w = frame.shape[:2]
    if short_side <= 0 or min(h, w) <= short_side:
        return frame
    scale = short_side / min(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def extract_video(video: str, out_dir: str, short_side: int = 320,
                  frame_step: int = 1, quality: int = 95) -> int:
    """Write every ``frame_step``-th frame of ``video`` as JPEG files.

    Frames are written to ``out_dir + '.tmp'`` and the folder is renamed when
    complete, so an existing ``out_dir`` means a finished video (resume).

    Args:
        video (str): Video file.
        out_dir (str): Output folder (``img_00001.jpg`` ...).
        short_side (int): Target short side; <= 0 keeps the size.
            Defaults to 320.
        frame_step (int): Keep one frame in ``frame_step``. Defaults to 1.
        quality (int): JPEG quality. Defaults to 95.

    Returns:
        int: Number of frames in ``out_dir`` (0 if the video is unreadable).
    """
    if osp.isdir(out_dir):
        return len([f for f in os.listdir(out_dir) if f.endswith('.jpg')])
    tmp_dir = out_dir + '.tmp'
    shutil.rmtree(tmp_dir, ignore_errors=True)
    os.makedirs(tmp_dir)
    cap = cv2.VideoCapture(video)
    count = index = 0
    while cap.isOpened():
        ok, frame = cap.read()
        if not ok:
            break
        if index % frame_step == 0:
            count += 1
            cv2.imwrite(osp.join(tmp_dir, FRAME_TMPL.format(count)),
                        resize_short_side(frame, short_side),
                        [cv2.IMWRITE_JPEG_QUALITY, quality])
        index += 1
    cap.release()
    if count == 0:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        return 0
    os.replace(tmp_dir, out_dir)
    return count


def _extract_one(args: Tuple) -> Tuple[str, int]:
    video, out_dir, short_side, frame_step, quality = args
    try:
        return out_dir, extract_video(video, out_dir, short_side, frame_step,
                                      quality)
    except Exception:  # one unreadable video must not stop the batch
        return out_dir, 0


def extract_videos(videos: Sequence[Tuple[str, str]],
                   video_root: str,
                   out_root: str,
                   out_list: Optional[str] = None,
                   short_side: int = 320,
                   frame_step: int = 1,
                   quality: int = 95,
                   num_workers: int = 1,
                   progress: bool = True) -> List[Tuple[str, int, str]]:
    """Extract many videos in parallel and write the raw-frame list.

    Args:
        videos (Sequence[tuple[str, str]]): ``(relative path, label)``;
            label may be '' (no label column).
        video_root (str): Folder the paths are relative to.
        out_root (str): Frame folders go to ``<out_root>/<path stem>``.
        out_list (str, optional): Raw-frame list to write
            (``stem total_frames [label]``). Defaults to None.
        short_side (int): See :func:`extract_video`. Defaults to 320.
        frame_step (int): See :func:`extract_video`. Defaults to 1.
        quality (int): JPEG quality. Defaults to 95.
        num_workers (int): Processes. Defaults to 1.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        list[tuple[str, int, str]]: (frame folder name, frames, label) of
        the videos that produced frames, in input order.
    """
    os.makedirs(out_root, exist_ok=True)
    stems = [osp.splitext(rel)[0] for rel, _ in videos]
    jobs = [(osp.join(video_root, rel), osp.join(out_root, stem), short_side,
             frame_step, quality) for (rel, _), stem in zip(videos, stems)]
    counts = {}
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(jobs))
    if num_workers > 1:
        with Pool(num_workers) as pool:
            for out_dir, n in pool.imap_unordered(_extract_one, jobs):
                counts[out_dir] = n
                bar and bar.update()
    else:
        for job in jobs:
            out_dir, n = _extract_one(job)
            counts[out_dir] = n
            bar and bar.update()
    entries = [(stem, counts[job[1]], label)
               for stem, job, (_, label) in zip(stems, jobs, videos)
               if counts[job[1]] > 0]
    if out_list:
        with open(out_list, 'w', encoding='utf-8') as f:
            for stem, n, label in entries:
                f.write(f'{stem} {n}' + (f' {label}' if label != '' else '') +
                        '\n')
    return entries


def read_video_list(ann_file: str) -> List[Tuple[str, str]]:
    """Read an mmaction2 video list into ``(path, label)`` ('' if none)."""
    videos = []
    with open(ann_file, encoding='utf-8') as f:
        for line in f:
            fields = line.split()
            if fields:
                videos.append((fields[0], ' '.join(fields[1:])))
    return videos
