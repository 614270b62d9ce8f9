# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Moving-digit videos from real handwriting: the learning-check set.

The 1,797 handwritten digits of :func:`sklearn.datasets.load_digits` (8x8,
16 grey levels, 10 classes, shipped inside the scikit-learn wheel) become
16-frame videos (64 px) in which one large digit (55-80 % of the side) moves,
scales, rotates slightly and changes tint over a dark textured background
whose colours change and whose texture drifts, with two dim fragments of
other digits moving across it (the clutter). The digits are split once
(from the seed) into a train and a held-out part:

- ``rawframes/<i:04d>/img_00001.png ...``: one video per train digit as
  lossless frames (unlabelled pretraining data; the mmaction2 raw-frame list
  ``rawframes_train.txt``, ``<i:04d> 16 <label>``, carries the label only for
  the record);
- ``images/train/<d>/<i:04d>.png``: each train digit once, one frame of a
  new scene (the probe's fitting set);
- ``images/val/<d>/<i:04d>.png``: each held-out digit once, rendered the
  same way (the probe's evaluation set: digits the encoder never saw).

Why the contrastive term has something to teach here: the background
colours pass through :data:`KEYS` random colours per video, so two frames
four or more frames apart share the digit (shape, handwriting, roughly its
place and size) but not the colours, and matching them needs the shape;
masked reconstruction must also model the background and the clutter.
The digit is always bright and nearly grey (a small random tint), the
background always dark. The probe images follow the frames' distribution,
so the data, not the encoder, sets the ceiling; the learning check reports
encoder-free references (pixels, edges) on them.

Design notes from the trials (one seed each): with the digit's own colour
also random, or with colour jitter on the views, the contrastive loss of a
CPU-minutes run stayed near chance; with colours constant per video it fell
to 0.1-0.3 by matching background colours, which does not help the probe.

Everything is a deterministic function of ``seed``; writing the 1,200
videos and 1,797 probe images takes about 30 s.
"""
import os
import os.path as osp
import shutil
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

#: Layout version; bumped when the rendering changes (regenerates caches).
VERSION = 3
#: Colour key frames per video: the background's colours and the digit's
#: tint pass through this many random values, so two frames a third of the
#: video apart have unrelated background colours.
KEYS = 4
#: Fragments of other digits in the background.
CLUTTER = 2


def _digit_sprite(digit: np.ndarray, size: float, angle: float,
                  out: int) -> np.ndarray:
    """An alpha mask (out, out) float32 in [0, 1]: the digit, centred.

    Args:
        digit (np.ndarray): (8, 8) grey levels 0-16.
        size (float): Digit side in pixels.
        angle (float): Rotation in degrees.
        out (int): Canvas side.
    """
    mask = cv2.resize(digit.astype(np.float32) / 16., (32, 32),
                      interpolation=cv2.INTER_CUBIC)
    scale = size / 32.
    mat = cv2.getRotationMatrix2D((16, 16), angle, scale)
    mat[:, 2] += out / 2 - 16
    return np.clip(cv2.warpAffine(mask, mat, (out, out),
                                  flags=cv2.INTER_LINEAR), 0, 1)


def _shift(mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
    mat = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(mask, mat, mask.shape[::-1],
                          flags=cv2.INTER_LINEAR)


def _interp(keys: np.ndarray, t: float) -> np.ndarray:
    """Piecewise-linear path through ``keys`` (K, ...) at ``t`` in [0, 1]."""
    pos = t * (len(keys) - 1)
    i = min(int(pos), len(keys) - 2)
    return keys[i] + (keys[i + 1] - keys[i]) * (pos - i)


class _Scene:
    """One digit's scene: a path for the digit and a drifting background.

    All random draws happen in ``__init__`` so a frame at time ``t`` in
    [0, 1] is a pure function of the scene.
    """

    def __init__(self, rng: np.random.Generator, digit: np.ndarray,
                 pool: np.ndarray, side: int) -> None:
        self.digit, self.side = digit, side
        grey = np.array([0.299, 0.587, 0.114])
        # background: dark colours mixed by a smooth random field; the
        # colours fade to other ones and the field drifts over the video
        self.bg = rng.uniform(0, 100, (KEYS, 2, 3))  # (key, pair, BGR)
        field = cv2.GaussianBlur(
            rng.standard_normal((2 * side, 2 * side)).astype(np.float32),
            (0, 0), side / 10)
        self.field = (field - field.min()) / (np.ptp(field) + 1e-6)
        self.bg_drift = rng.uniform(-0.5, 0.5, 2) * side
        # clutter: 2 small dim fragments of other digits moving fast
        self.clutter = []
        for _ in range(CLUTTER):
            frag = _digit_sprite(pool[rng.integers(len(pool))],
                                 rng.uniform(0.3, 0.5) * side,
                                 rng.uniform(-180, 180), side)
            self.clutter.append(
                (frag, rng.uniform(-0.35, 0.35, 2) * side,
                 rng.uniform(-0.6, 0.6, 2) * side,
                 rng.uniform(40, 120, 3)))
        # the digit: bright, nearly grey colours (a tint of up to 30 per
        # channel), a path, a size and an angle
        self.fg = (rng.uniform(185, 235, (KEYS, 1)) +
                   rng.uniform(-30, 30, (KEYS, 3)))
        self.pos0 = rng.uniform(-0.12, 0.12, 2) * side
        self.vel = rng.uniform(-0.15, 0.15, 2) * side
        self.size0 = rng.uniform(0.55, 0.8) * side
        self.size1 = self.size0 * rng.uniform(0.85, 1.15)
        self.angle = rng.uniform(-10, 10, 2)

    def frame(self, t: float) -> np.ndarray:
        """The frame (side, side, 3) uint8 in BGR at time ``t`` in [0, 1]."""
        s = self.side
        ox, oy = (self.bg_drift * t + s / 2).astype(int)
        mix = self.field[oy:oy + s, ox:ox + s][..., None]
        bg = _interp(self.bg, t)  # (2, 3)
        img = bg[0] + (bg[1] - bg[0]) * mix
        for frag, p0, v, colour in self.clutter:
            a = _shift(frag, *(p0 + v * t))[..., None]
            img = img * (1 - a) + colour * a
        pos = np.clip(self.pos0 + self.vel * t, -0.15 * s, 0.15 * s)
        size = self.size0 + (self.size1 - self.size0) * t
        angle = self.angle[0] + (self.angle[1] - self.angle[0]) * t
        a = _shift(_digit_sprite(self.digit, size, angle, s), *pos)[..., None]
        colour = _interp(self.fg, t)
        img = img * (1 - a) + colour * a
        return np.clip(img, 0, 255).astype(np.uint8)


def digit_split(
        seed: int = 0,
        num_train: int = 1200,
        num_val: Optional[int] = None
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits, split once: (train images, train labels, val ..., ...).

    Images are (N, 8, 8) grey levels 0-16; labels (N, ) in 0-9. The val
    digits are the first ``num_val`` (default: all) of the rest.
    """
    from sklearn.datasets import load_digits
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    tr = order[:num_train]
    va = order[num_train:] if num_val is None else order[
        num_train:num_train + num_val]
    return (digits.images[tr], digits.target[tr], digits.images[va],
            digits.target[va])


def make_digit_videos(out: str,
                      seed: int = 0,
                      num_train: int = 1200,
                      num_val: Optional[int] = None,
                      num_frames: int = 16,
                      side: int = 64) -> Dict[str, int]:
    """Write the moving-digit set to ``out`` (skipped if already complete).

    Args:
        out (str): Output folder.
        seed (int): Seed of the split and of every scene. Defaults to 0.
        num_train (int): Train digits (videos); the other
            ``1797 - num_train`` are held out. Defaults to 1200.
        num_val (int, optional): Use only this many held-out digits
            (small sets for tests). Defaults to all of them.
        num_frames (int): Frames per video. Defaults to 16.
        side (int): Frame side in pixels. Defaults to 64.

    Returns:
        dict: ``videos``, ``train_images``, ``val_images`` counts.
    """
    done = osp.join(out, f'.complete_v{VERSION}')
    xtr, ytr, xva, yva = digit_split(seed, num_train, num_val)
    counts = dict(videos=len(xtr), train_images=len(xtr),
                  val_images=len(xva))
    if osp.isfile(done):
        return counts
    rng = np.random.default_rng(seed + 1)
    pool = xtr  # clutter comes from train digits only
    lines = []
    for i, (digit, label) in enumerate(zip(xtr, ytr)):
        scene = _Scene(rng, digit, pool, side)
        folder = osp.join(out, 'rawframes', f'{i:04d}')
        os.makedirs(folder, exist_ok=True)
        for j, t in enumerate(np.linspace(0, 1, num_frames)):
            cv2.imwrite(osp.join(folder, f'img_{j + 1:05d}.png'),
                        scene.frame(t))
        lines.append(f'{i:04d} {num_frames} {label}\n')
    with open(osp.join(out, 'rawframes_train.txt'), 'w') as f:
        f.writelines(lines)
    for split, xs, ys in (('train', xtr, ytr), ('val', xva, yva)):
        for d in range(10):
            os.makedirs(osp.join(out, 'images', split, str(d)), exist_ok=True)
        for i, (digit, label) in enumerate(zip(xs, ys)):
            img = _Scene(rng, digit, pool, side).frame(rng.uniform())
            cv2.imwrite(osp.join(out, 'images', split, str(label),
                                 f'{i:04d}.png'), img)
    open(done, 'w').close()
    return counts


def ensure_digit_videos(out_dir: str, seed: int = 0) -> Optional[str]:
    """Write the digit set to ``out_dir`` unless it is already there.

    Used by the datasets' ``auto_create_demo='digits'``. The set is written
    to a temporary folder and renamed, so concurrent callers (several
    learning-check runs, DataLoader workers) never see a half-written set.

    Returns:
        str | None: ``out_dir`` when generated, None when it existed.
    """
    if not out_dir:
        raise ValueError('ensure_digit_videos needs a data_root')
    if osp.isfile(osp.join(out_dir, f'.complete_v{VERSION}')):
        return None
    tmp = f'{out_dir.rstrip("/")}.tmp{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    make_digit_videos(tmp, seed=seed)
    try:
        os.makedirs(osp.dirname(osp.abspath(out_dir)), exist_ok=True)
        if osp.isdir(out_dir):  # an older version of the set
            shutil.rmtree(out_dir)
        os.rename(tmp, out_dir)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    return out_dir
