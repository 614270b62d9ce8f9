# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Built-in procedural demo dataset (videos + images), deterministic.

Layout written by :func:`make_demo_dataset` (fixed; configs rely on it)::

    <out>/classes.txt
    <out>/videos/<class>_<i:03d>.mp4          (mp4v, 96x96, 16 fps, 3 s)
    <out>/videos_train.txt, videos_val.txt    (``<class>_<i:03d>.mp4 label``)
    <out>/images/{train,val}/<class>/<i:03d>.jpg   (64x64)
    <out>/rawframes/<stem>/img_00001.jpg ...  (with ``rawframes=True``)
    <out>/rawframes_train.txt, rawframes_val.txt   (``stem total label``)

The class is the object's shape (circle, square, triangle, cross) and
nothing else: colours and textures are drawn from the seed independently of
the class (the same seed with another class gives the same colours, only
the silhouette changes), the four shapes have similar areas, and the object
is large (radius 0.24-0.32 of the side) and contrasts with the background,
so the shape stays visible at 32 px. In videos it moves, rotates and
breathes over a slowly panning textured background; images are single
frames (object near the centre).
"""
import os
import os.path as osp
import shutil
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

CLASSES = ('circle', 'square', 'triangle', 'cross')


def _texture(rng: np.random.Generator, size: int, c0: np.ndarray,
             c1: np.ndarray) -> np.ndarray:
    """A stripe-plus-blob texture (size, size, 3) uint8 between two colours."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle, freq = rng.uniform(0, np.pi), rng.uniform(0.15, 0.6)
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * freq)
    noise = cv2.GaussianBlur(
        rng.standard_normal((size, size)).astype(np.float32), (0, 0), 3)
    mix = np.clip((stripes[..., None] * 0.5 + noise[..., None] * 2.0 + 1) / 2,
                  0, 1)
    return np.clip(c0 + (c1 - c0) * mix, 0, 255).astype(np.uint8)


def _colours(rng: np.random.Generator) -> Tuple[np.ndarray, ...]:
    """Background and object colour pairs, random per instance.

    Hues are random; the object is always the brighter one (grey level at
    least 60 above the background's, RGB distance at least 120), so the
    silhouette's contrast polarity is not a random sign that a linear probe
    of pixels would have to undo. Each texture spans a limited range
    around its mean colour.
    """
    grey = np.array([0.114, 0.587, 0.299])  # BGR weights
    while True:
        bg, obj = sorted(rng.uniform(0, 255, (2, 3)), key=lambda c: c @ grey)
        if (obj - bg) @ grey >= 60 and np.linalg.norm(obj - bg) >= 120:
            break
    spread = [rng.uniform(-1, 1, 3) * rng.uniform(15, 45) for _ in range(2)]
    return bg - spread[0], bg + spread[0], obj - spread[1], obj + spread[1]


def _shape_points(cls: int, cx: float, cy: float, r: float,
                  theta: float) -> np.ndarray:
    """Polygon of class ``cls`` centred at (cx, cy), radius r, rotated.

    The scales make the four areas similar (about 2.3-2.9 r^2), so the
    class is the shape, not the size.
    """
    if cls == 0:
        t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        pts = np.stack([np.cos(t), np.sin(t)], 1) * 0.9
    elif cls == 1:
        pts = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * 0.8
    elif cls == 2:
        t = np.array([0, 2, 4]) * np.pi / 3 - np.pi / 2
        pts = np.stack([np.cos(t), np.sin(t)], 1) * 1.3
    else:
        a = 0.35
        pts = np.array([[-a, -1], [a, -1], [a, -a], [1, -a], [1, a], [a, a],
                        [a, 1], [-a, 1], [-a, a], [-1, a], [-1, -a],
                        [-a, -a]])
    rot = np.array([[np.cos(theta), -np.sin(theta)],
                    [np.sin(theta), np.cos(theta)]])
    return np.round((pts @ rot.T * r + [cx, cy]) * 16).astype(np.int32)


def _bounce(p: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Reflect positions into [lo, hi] (a ball bouncing off the walls)."""
    span = hi - lo
    q = np.abs(p - lo) % (2 * span)
    return lo + span - np.abs(span - q)


def render_clip(cls: int, seed: int, num_frames: int = 48,
                size: int = 96) -> np.ndarray:
    """Render a clip (num_frames, size, size, 3) uint8, BGR, for a class.

    One object of shape ``cls`` (textured, colours random per seed, radius
    0.24-0.32 of the frame) moves, rotates and breathes over a textured
    background while the camera pans; it stays at least 60% inside the
    frame. ``num_frames=1`` gives a still image (object near the centre).
    """
    rng = np.random.default_rng(seed)
    bg0, bg1, ob0, ob1 = _colours(rng)
    bg = _texture(rng, size * 2, bg0, bg1)
    obj_tex = _texture(rng, size, ob0, ob1)
    pan = rng.uniform(-1, 1, 2) * size / max(num_frames, 1)  # px per frame
    r0 = size * rng.uniform(0.24, 0.32)
    pos = size / 2 + rng.uniform(-0.15, 0.15, 2) * size
    vel = rng.uniform(-1.5, 1.5, 2) * size / 96
    theta, omega = rng.uniform(0, 2 * np.pi), rng.uniform(-0.15, 0.15)
    r_amp, r_freq = rng.uniform(0.05, 0.15), rng.uniform(0.05, 0.2)
    lo, hi = 0.6 * r0, size - 0.6 * r0
    frames = np.empty((num_frames, size, size, 3), np.uint8)
    for t in range(num_frames):
        ox, oy = (size // 2 + pan * t).astype(int) % size
        frame = bg[oy:oy + size, ox:ox + size].copy()
        p = _bounce(pos + vel * t, lo, hi)
        mask = np.zeros((size, size), np.uint8)
        radius = r0 * (1 + r_amp * np.sin(r_freq * t))
        cv2.fillPoly(mask,
                     [_shape_points(cls, *p, radius, theta + omega * t)], 1,
                     lineType=cv2.LINE_8, shift=4)
        frame[mask > 0] = obj_tex[mask > 0]
        frames[t] = frame
    return frames


def make_demo_dataset(out_dir: str,
                      seed: int = 0,
                      num_classes: int = 4,
                      videos_per_class: int = 8,
                      val_videos_per_class: int = 2,
                      images_per_class: int = 24,
                      val_images_per_class: int = 8,
                      video_size: int = 96,
                      num_frames: int = 48,
                      fps: int = 16,
                      image_size: int = 64,
                      rawframes: bool = False) -> Dict[str, str]:
    """Write the demo dataset (see the module docstring for the layout).

    Args:
        out_dir (str): Output folder (created).
        seed (int): Seed; the same seed gives the same frames and lists.
            Defaults to 0.
        num_classes (int): Classes, at most 4. Defaults to 4.
        videos_per_class (int): Videos per class. Defaults to 8.
        val_videos_per_class (int): Of those, the last ones go to val.
            Defaults to 2.
        images_per_class (int): Train images per class. Defaults to 24.
        val_images_per_class (int): Val images per class. Defaults to 8.
        video_size (int): Video side in pixels. Defaults to 96.
        num_frames (int): Frames per video. Defaults to 48.
        fps (int): Video fps. Defaults to 16.
        image_size (int): Image side. Defaults to 64.
        rawframes (bool): Also extract JPEG frames + raw-frame lists.
            Defaults to False.

    Returns:
        dict[str, str]: Paths: root, videos, videos_train, videos_val,
        images_train, images_val, classes (and rawframes, rawframes_train,
        rawframes_val).
    """
    if not 1 <= num_classes <= len(CLASSES):
        raise ValueError(f'num_classes must be in [1, {len(CLASSES)}], '
                         f'got {num_classes}')
    classes = CLASSES[:num_classes]
    paths = dict(root=out_dir, videos=osp.join(out_dir, 'videos'),
                 classes=osp.join(out_dir, 'classes.txt'))
    os.makedirs(paths['videos'], exist_ok=True)
    with open(paths['classes'], 'w') as f:
        f.write('\n'.join(classes) + '\n')
    lists = dict(train=[], val=[])
    for c, name in enumerate(classes):
        for i in range(videos_per_class):
            clip = render_clip(c, seed * 100003 + c * 1009 + i, num_frames,
                               video_size)
            rel = f'{name}_{i:03d}.mp4'
            writer = cv2.VideoWriter(
                osp.join(paths['videos'], rel),
                cv2.VideoWriter_fourcc(*'mp4v'), fps,
                (video_size, video_size))
            for frame in clip:
                writer.write(frame)
            writer.release()
            split = 'val' if i >= videos_per_class - val_videos_per_class \
                else 'train'
            lists[split].append((rel, str(c)))
    for split, items in lists.items():
        paths[f'videos_{split}'] = osp.join(out_dir, f'videos_{split}.txt')
        with open(paths[f'videos_{split}'], 'w') as f:
            f.writelines(f'{rel} {label}\n' for rel, label in items)
    for split, n in (('train', images_per_class),
                     ('val', val_images_per_class)):
        paths[f'images_{split}'] = osp.join(out_dir, 'images', split)
        for c, name in enumerate(classes):
            folder = osp.join(paths[f'images_{split}'], name)
            os.makedirs(folder, exist_ok=True)
            for i in range(n):
                s = seed * 100003 + 50021 + c * 1009 + i + (
                    500 if split == 'val' else 0)
                img = render_clip(c, s, 1, image_size)[0]
                cv2.imwrite(osp.join(folder, f'{i:03d}.jpg'), img)
    if rawframes:
        from .frame_extraction import extract_videos
        paths['rawframes'] = osp.join(out_dir, 'rawframes')
        for split, items in lists.items():
            paths[f'rawframes_{split}'] = osp.join(out_dir,
                                                   f'rawframes_{split}.txt')
            extract_videos(items, paths['videos'], paths['rawframes'],
                           paths[f'rawframes_{split}'], short_side=0,
                           progress=False)
    return paths


def ensure_demo_dataset(out_dir: str, seed: int = 0,
                        rawframes: bool = True) -> Optional[Dict[str, str]]:
    """Generate the demo dataset at ``out_dir`` unless it already exists.

    Used by the datasets' ``auto_create_demo=True`` (the demo configs), so a
    first run needs no preparation. The set is written to a temporary folder
    and renamed, so concurrent callers never see a half-written set.

    Args:
        out_dir (str): Demo root (e.g. ``data/vicmae_demo``).
        seed (int): Seed. Defaults to 0.
        rawframes (bool): Also write raw frames. Defaults to True.

    Returns:
        dict | None: The paths when generated, None when it existed.
    """
    if not out_dir:
        raise ValueError('ensure_demo_dataset needs a data_root')
    if osp.isfile(osp.join(out_dir, 'videos_train.txt')):
        return None
    tmp = f'{out_dir.rstrip("/")}.tmp{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    make_demo_dataset(tmp, seed=seed, rawframes=rawframes)
    try:
        os.makedirs(osp.dirname(osp.abspath(out_dir)), exist_ok=True)
        os.rename(tmp, out_dir)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    return make_demo_paths(out_dir)


def make_demo_paths(out_dir: str) -> Dict[str, str]:
    """The paths of an existing demo dataset at ``out_dir``."""
    p = dict(root=out_dir, videos=osp.join(out_dir, 'videos'),
             classes=osp.join(out_dir, 'classes.txt'),
             rawframes=osp.join(out_dir, 'rawframes'))
    for split in ('train', 'val'):
        p[f'videos_{split}'] = osp.join(out_dir, f'videos_{split}.txt')
        p[f'rawframes_{split}'] = osp.join(out_dir, f'rawframes_{split}.txt')
        p[f'images_{split}'] = osp.join(out_dir, 'images', split)
    return p
