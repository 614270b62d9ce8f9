# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Odd but valid inputs train: 1- and 2-frame videos, grayscale, 17x9
frames, paths with spaces and non-ASCII characters, and a corrupt file
among them (skipped), with ``num_workers`` 0 and 2.

A tiny ViC-MAE (the demo config, width 32, depth 2) trains one epoch on
each source (6 list entries, batch 2: every entry is drawn once, the
corrupt one is replaced by another draw); every valid odd file must reach a
batch, the corrupt one must be counted, the loss must be finite.
"""
import math
import os.path as osp

import cv2
import numpy as np
import pytest
from fault_helpers import REPO
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

TINY = f'''
_base_ = [{osp.join(REPO, 'configs/vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py')!r}]
width = 32
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=width, num_layers=2,
                            num_heads=2, feedforward_channels=64)),
    recon_head=dict(decoder=dict(embed_dim=width, decoder_embed_dim=16,
                                 decoder_depth=1, decoder_num_heads=2)),
    contrast_head=dict(projector=dict(in_channels=width, hid_channels=32,
                                      out_channels=16)))
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=10))
'''
AUG = [
    dict(
        type='RandomResizedCrop',
        scale=32,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5)
]
TAIL = [
    dict(type='PerFrameAugment', transforms=AUG),
    dict(type='PackFramePairs', num_frames=2)
]
SAMPLE = dict(type='SampleFramePair', min_gap=1, max_gap=3)


def _frames(n, h=32, w=32, gray=False, seed=0):
    rng = np.random.default_rng(seed)
    shape = (h, w) if gray else (h, w, 3)
    return [rng.integers(0, 255, shape, dtype=np.uint8) for _ in range(n)]


def _write_video(path, frames):
    """MPEG-4 with PyAV (cv2's writers round 17x9 down to 16x8, a size
    decord 0.6.0 cannot decode)."""
    av = pytest.importorskip('av')  # requirements/tests.txt
    h, w = frames[0].shape[:2]
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('mpeg4', rate=10)
        stream.width, stream.height, stream.pix_fmt = w, h, 'yuv420p'
        for frame in frames:
            rgb = frame if frame.ndim == 3 else np.stack([frame] * 3, -1)
            for packet in stream.encode(
                    av.VideoFrame.from_ndarray(rgb, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# name -> (frames, valid); names hold spaces and non-ASCII characters
VIDEOS = {
    'one frame.mp4': (dict(n=1), True),
    'two frames.mp4': (dict(n=2), True),
    'gris ü.mp4': (dict(n=6, gray=True), True),
    'odd 17x9.mp4': (dict(n=6, h=9, w=17), True),
    'vidéo 日本.mp4': (dict(n=6), True),
}


def _video_source(root):
    for name, (spec, _) in VIDEOS.items():
        _write_video(root / name, _frames(**spec))
    data = (root / 'vidéo 日本.mp4').read_bytes()
    (root / 'cassé.mp4').write_bytes(data[:len(data) // 2])
    names = list(VIDEOS) + ['cassé.mp4']
    # tab-separated: paths with spaces need a delimiter other than ' '
    (root / 'list.txt').write_text(
        ''.join(f'{n}\t0\n' for n in names), encoding='utf-8')
    return dict(
        type='FramePairVideoDataset',
        data_prefix=dict(video=''),
        delimiter='\t',
        pipeline=[
            dict(type='mmaction.DecordInit'), SAMPLE,
            dict(type='SortedDecordDecode')
        ] + TAIL), names


def _frames_source(root):
    """mmaction's raw-frame list splits on any whitespace, so the folder
    names hold non-ASCII characters but no spaces (the root has both)."""
    names = []
    for name, (spec, _) in VIDEOS.items():
        folder = root / name.replace('.mp4', '').replace(' ', '_')
        folder.mkdir()
        for i, frame in enumerate(_frames(**spec)):
            cv2.imwrite(str(folder / f'img_{i + 1:05d}.jpg'), frame)
        names.append(f'{folder.name} {spec["n"]}')
    bad = root / 'cassé'  # a corrupt JPEG among good frames
    bad.mkdir()
    cv2.imwrite(str(bad / 'img_00001.jpg'), _frames(1)[0])
    jpeg = (root / 'gris_ü' / 'img_00001.jpg').read_bytes()
    (bad / 'img_00002.jpg').write_bytes(jpeg[:len(jpeg) // 2])
    names.append('cassé 2')
    (root / 'list.txt').write_text('\n'.join(names) + '\n', encoding='utf-8')
    return dict(
        type='FramePairRawframeDataset',
        data_prefix=dict(img=''),
        pipeline=[SAMPLE, dict(type='mmaction.RawFrameDecode')] +
        TAIL), [n.split(' ')[0] for n in names]


def _images_source(root):
    images = {
        'gris ü.png': _frames(1, gray=True)[0],
        'odd 17x9.jpg': _frames(1, 9, 17)[0],
        'photo 日本.jpg': _frames(1, seed=1)[0],
        'tiny 3x2.png': _frames(1, 2, 3)[0],
        'plain.jpg': _frames(1, seed=2)[0]
    }
    for name, img in images.items():
        cv2.imwrite(str(root / name), img)
    jpeg = (root / 'photo 日本.jpg').read_bytes()
    (root / 'cassé.jpg').write_bytes(jpeg[:len(jpeg) // 2])
    names = list(images) + ['cassé.jpg']
    (root / 'list.txt').write_text('\n'.join(names) + '\n', encoding='utf-8')
    return dict(
        type='ImagePairDataset',
        with_label=False,
        data_prefix='',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='ImageToFrames', num_frames=2)
        ] + TAIL), names


SOURCES = {
    'videos': _video_source,
    'raw frames': _frames_source,
    'images': _images_source
}


class _SeenFiles(Hook):
    """Record which files reached a training batch."""

    def __init__(self):
        self.seen = set()

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        for sample in data_batch['data_samples']:
            meta = sample.metainfo
            path = meta.get('filename') or meta.get('frame_dir') or \
                meta.get('img_path')
            self.seen.add(osp.basename(str(path)))


@pytest.mark.slow
@pytest.mark.parametrize('num_workers', [0, 2])
@pytest.mark.parametrize('source', list(SOURCES))
def test_odd_inputs_train(source, num_workers, tmp_path, fault_row):
    root = tmp_path / 'data ü'
    root.mkdir()
    dataset, names = SOURCES[source](root)
    (tmp_path / 'tiny.py').write_text(TINY)
    cfg = Config.fromfile(str(tmp_path / 'tiny.py'))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.update(
        batch_size=2, num_workers=num_workers,
        persistent_workers=False)  # no idle workers left for the next test
    cfg.train_dataloader.dataset = dict(
        dataset, data_root=str(root), ann_file='list.txt')
    runner = Runner.from_cfg(cfg)
    seen = _SeenFiles()
    runner.register_hook(seen)
    runner.train()
    valid, corrupt = names[:-1], names[-1]
    assert set(valid) <= seen.seen, set(valid) - seen.seen
    assert corrupt not in seen.seen
    counts = runner.message_hub.get_info('data/bad_samples')
    assert counts.get('corrupt', 0) >= 1, counts
    if source != 'images':
        assert counts.get('single_frame', 0) >= 1, counts
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss)
    fault_row(
        'input', f'{source} (num_workers={num_workers}): '
        f'{", ".join(valid)} + corrupt {corrupt}',
        'trains; every valid file used; the corrupt one skipped and '
        'counted', f'{runner.iter} iterations, loss {loss:.3f}; '
        f'{len(valid)} of {len(valid)} valid files in batches; '
        f'counts {dict(sorted(counts.items()))}',
        cases=len(names))
