# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Draw what a ViC-MAE checkpoint reconstructs from a frame pair.

One row per frame: original, masked input (removed patches grey) and
reconstruction (predicted masked patches + visible input patches), frame
indices and the masked norm-pix loss in the titles. With ``norm_pix`` (the
default) the predicted patches are de-normalised with the mean/variance of
the original patch, as in MAE's own visualisation.

Example::

    python tools/visualization/visualize_reconstruction.py \\
        configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py \\
        work_dirs/demo/iter_400.pth \\
        --video data/vicmae_demo/videos/circle_000.mp4 --out recon.png
    python tools/visualization/visualize_reconstruction.py CONFIG CKPT \\
        --image photo.jpg --out recon.png     # two augmentations of one image

CHECKPOINT may be ``none`` (random weights, for a smoke test).
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config (or _base_ model config)')
    parser.add_argument('checkpoint', help="checkpoint, or 'none'")
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--video', help='video file (decord)')
    src.add_argument('--image', help='image file: two augmented views')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--frame-inds', type=int, nargs='+',
                        help='frame indices (default: sampled pair)')
    parser.add_argument('--min-gap', type=int, default=8,
                        help='smallest frame gap of the sampled pair')
    parser.add_argument('--max-gap', type=int, default=32,
                        help='largest frame gap of the sampled pair')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the pair, the views and the masks')
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def build_model(config: str, checkpoint: Optional[str],
                cfg_options: Optional[dict] = None,
                device: str = 'cpu') -> torch.nn.Module:
    """Build the pretraining model of ``config`` and load ``checkpoint``."""
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    import vicmae_mm  # noqa: F401  (registry + safe checkpoint loader)
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = cfg.model
    if 'data_preprocessor' not in model_cfg and 'data_preprocessor' in cfg:
        model_cfg.data_preprocessor = cfg.data_preprocessor  # as the Runner
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    model.init_weights()
    if checkpoint and checkpoint.lower() != 'none':
        load_checkpoint(model, checkpoint, map_location='cpu', strict=False)
    for attr in ('backbone', 'recon_head', 'data_preprocessor'):
        if not hasattr(model, attr):
            raise ValueError(f'{config}: model {type(model).__name__} has no '
                             f'{attr!r}; expected a ViC-MAE model')
    return model.to(device).eval()


def _fit(frame: np.ndarray, size: int) -> np.ndarray:
    """Resize the short side to ``size`` and centre-crop to a square."""
    import cv2
    h, w = frame.shape[:2]
    s = size / min(h, w)
    frame = cv2.resize(frame, (max(size, round(w * s)), max(size,
                                                            round(h * s))),
                       interpolation=cv2.INTER_AREA)
    h, w = frame.shape[:2]
    y, x = (h - size) // 2, (w - size) // 2
    return frame[y:y + size, x:x + size]


def load_video_pair(path: str, size: int, min_gap: int, max_gap: int,
                    frame_inds: Optional[Sequence[int]] = None
                    ) -> Tuple[List[np.ndarray], List[int]]:
    """Decode a frame pair (RGB, ``size`` px) with the data pipeline."""
    from mmpretrain.registry import TRANSFORMS
    if not osp.isfile(path):
        raise FileNotFoundError(f'--video {path}: no such file')
    results = dict(filename=path, start_index=0, modality='RGB')
    results = TRANSFORMS.build(dict(type='mmaction.DecordInit'))(results)
    total = results['total_frames']
    if frame_inds is None:
        results = TRANSFORMS.build(
            dict(type='SampleFramePair', min_gap=min_gap,
                 max_gap=max_gap))(results)
    else:
        bad = [i for i in frame_inds if not 0 <= i < total]
        if bad or len(frame_inds) < 2:
            raise ValueError(f'--frame-inds {list(frame_inds)}: need >= 2 '
                             f'indices in [0, {total}) for {path}')
        results['frame_inds'] = np.asarray(frame_inds, dtype=np.int64)
    inds = [int(i) for i in results['frame_inds']]
    results = TRANSFORMS.build(dict(type='SortedDecordDecode'))(results)
    return [_fit(f, size) for f in results['imgs']], inds


def load_image_views(path: str, size: int) -> List[np.ndarray]:
    """Two augmented views (RGB) of one image, as the image-pair data."""
    import cv2
    from mmpretrain.registry import TRANSFORMS
    img = cv2.imread(path)
    if img is None:
        raise FileNotFoundError(f'--image {path}: not a readable image')
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    crop = TRANSFORMS.build(
        dict(type='RandomResizedCrop', scale=size,
             crop_ratio_range=(0.2, 1.0), backend='pillow',
             interpolation='bicubic'))
    flip = TRANSFORMS.build(dict(type='RandomFlip', prob=0.5))
    return [flip(crop(dict(img=img.copy())))['img'] for _ in range(2)]


def frames_to_inputs(frames: Sequence[np.ndarray], model: torch.nn.Module,
                     device: str = 'cpu') -> List[torch.Tensor]:
    """RGB uint8 frames -> normalised (1, C, H, W) tensors (RGB mean/std)."""
    prep = model.data_preprocessor
    mean = getattr(prep, 'mean', torch.zeros(3, 1, 1)).to(device)
    std = getattr(prep, 'std', torch.ones(3, 1, 1)).to(device)
    out = []
    for f in frames:
        x = torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)
        out.append(((x.float().to(device) - mean) / std)[None])
    return out


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    import cv2

    from vicmae_mm.engine.hooks.reconstruction_vis_hook import (
        reconstruct_frames, render_reconstruction)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    model = build_model(args.config, args.checkpoint, args.cfg_options,
                        args.device)
    size = int(model.backbone.img_size[0])
    if args.video:
        frames, inds = load_video_pair(args.video, size, args.min_gap,
                                       args.max_gap, args.frame_inds)
        title = f'{osp.basename(args.video)}  '
    else:
        frames, inds = load_image_views(args.image, size), [0, 1]
        title = f'{osp.basename(args.image)} (2 views)  '
    torch.manual_seed(args.seed)
    rows = reconstruct_frames(model, frames_to_inputs(frames, model,
                                                      args.device))
    image = render_reconstruction(rows, inds, title=title, dpi=args.dpi)
    if osp.dirname(args.out):
        import os
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    if not cv2.imwrite(args.out, cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise OSError(f'could not write {args.out}')
    print(f'wrote {args.out} ({image.shape[1]}x{image.shape[0]}), frames '
          f'{inds}, recon loss per frame '
          f'{[round(r["loss"], 4) for r in rows]}')
    return args.out


if __name__ == '__main__':
    main()
