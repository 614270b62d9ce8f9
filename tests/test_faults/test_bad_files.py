# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Bad files are skipped and counted, bugs are not; an all-bad data set
stops with one clear error; a high bad fraction warns.

For every decoding backend the datasets can use (decord, PyAV and OpenCV
for videos; cv2 and Pillow for raw frames and images), truncated,
random-bytes, empty and missing files are replaced by another sample and
counted. A ``KeyError``/``TypeError`` from a transform and an
``AttributeError`` from a missing decoder library are programming or setup
errors: they propagate at the first try, not after ``max_refetch``
retries.
"""
import importlib.util
import os.path as osp
from itertools import zip_longest
from unittest.mock import MagicMock

import cv2
import numpy as np
import pytest
from mmpretrain.registry import DATASETS
from torch.utils.data import DataLoader

from vicmae_mm.datasets import NoUsableSampleError, repeat_default_collate
from vicmae_mm.engine.hooks import BadSampleCounterHook

PACK = [
    dict(type='PerFrameAugment', transforms=[]),
    dict(type='PackFramePairs', num_frames=2)
]
VIDEO_INIT = {
    'decord':
    [dict(type='mmaction.DecordInit'), None,
     dict(type='SortedDecordDecode')],
    'PyAV':
    [dict(type='mmaction.PyAVInit'), None,
     dict(type='mmaction.PyAVDecode')],
    'OpenCV': [
        dict(type='mmaction.OpenCVInit'), None,
        dict(type='mmaction.OpenCVDecode')
    ],
}
SAMPLE = dict(type='SampleFramePair', min_gap=1, max_gap=4)


@pytest.fixture(scope='module')
def media(tmp_path_factory):
    """Good and bad videos, frame folders and images, written once."""
    root = tmp_path_factory.mktemp('media')
    rng = np.random.default_rng(0)
    frames = [
        rng.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(12)
    ]
    for i in range(3):
        writer = cv2.VideoWriter(
            str(root / f'good{i}.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 10,
            (32, 32))
        for frame in frames:
            writer.write(frame)
        writer.release()
        folder = root / f'frames_good{i}'
        folder.mkdir()
        for j, frame in enumerate(frames[:6]):
            cv2.imwrite(str(folder / f'img_{j + 1:05d}.jpg'), frame)
        cv2.imwrite(str(root / f'good{i}.jpg'), frames[i])
    video, jpeg = (root /
                   'good0.mp4').read_bytes(), (root /
                                               'good0.jpg').read_bytes()
    noise = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    for ext, data in (('mp4', video), ('jpg', jpeg)):
        (root / f'truncated.{ext}').write_bytes(data[:len(data) // 2])
        (root / f'random.{ext}').write_bytes(noise)
        (root / f'empty.{ext}').write_bytes(b'')
    for name, data in (('truncated', jpeg[:len(jpeg) // 2]), ('random',
                                                              noise)):
        # a bad JPEG next to a good frame (2 frames: both are sampled)
        folder = root / f'frames_{name}'
        folder.mkdir()
        cv2.imwrite(str(folder / 'img_00001.jpg'), frames[0])
        (folder / 'img_00002.jpg').write_bytes(data)
    (root / 'frames_empty').mkdir()
    return root


BAD = {
    'truncated': 'corrupt',
    'random': 'corrupt',
    'empty': 'empty',
    'missing': 'missing'
}


def _interleave(good, bad):
    return [n for pair in zip_longest(good, bad) for n in pair if n]


def _video_dataset(media, backend, names, extra=(), **kwargs):
    """A video list of ``names``; ``extra`` transforms run after decoding."""
    lst = media / f'{backend}_{"_".join(n.split(".")[0] for n in names)}.txt'
    lst.write_text('\n'.join(names) + '\n')
    init, _, decode = VIDEO_INIT[backend]
    return DATASETS.build(
        dict(
            type='FramePairVideoDataset',
            ann_file=str(lst),
            data_prefix=dict(video=str(media)),
            pipeline=[init, SAMPLE, decode, *extra] + PACK,
            **kwargs))


def _frames_dataset(media, backend, names):
    lst = media / f'frames_{backend}.txt'
    lst.write_text(''.join(f'{n} {6 if "good" in n else 2}\n' for n in names))
    return DATASETS.build(
        dict(
            type='FramePairRawframeDataset',
            ann_file=str(lst),
            data_prefix=dict(img=str(media)),
            pipeline=[
                SAMPLE,
                dict(type='mmaction.RawFrameDecode', decoding_backend=backend)
            ] + PACK))


def _image_dataset(media, backend, names, extra=()):
    lst = media / f'images_{backend}.txt'
    lst.write_text('\n'.join(names) + '\n')
    return DATASETS.build(
        dict(
            type='ImagePairDataset',
            ann_file=str(lst),
            with_label=False,
            data_prefix=str(media),
            pipeline=[
                dict(type='LoadImageFromFile', imdecode_backend=backend),
                *extra,
                dict(type='ImageToFrames', num_frames=2)
            ] + PACK))


def _build(media, source):
    kind, backend = source.split(':')
    if kind == 'video':
        good, bad = [f'good{i}.mp4'
                     for i in range(3)], [f'{b}.mp4' for b in BAD]
        return _video_dataset(media, backend, _interleave(good, bad)), bad
    if kind == 'frames':
        good, bad = [f'frames_good{i}'
                     for i in range(3)], [f'frames_{b}' for b in BAD]
        return _frames_dataset(media, backend, _interleave(good, bad)), bad
    good, bad = [f'good{i}.jpg' for i in range(3)], [f'{b}.jpg' for b in BAD]
    return _image_dataset(media, backend, _interleave(good, bad)), bad


SOURCES = [
    'video:decord', 'video:PyAV', 'video:OpenCV', 'frames:cv2',
    'frames:pillow', 'images:cv2', 'images:pillow'
]


@pytest.mark.parametrize('source', SOURCES)
def test_bad_files_skipped_and_counted(source, media, fault_row):
    if source == 'video:PyAV':
        pytest.importorskip('av')  # requirements/tests.txt
    ds, bad = _build(media, source)
    for _ in range(2):
        samples = [ds[i][0] for i in range(len(ds))]  # K = 1 pair each
    assert all(len(s['inputs']) == 2 for s in samples)
    got = {osp.basename(p): r for p, r in ds.bad_files.items()}
    assert got == {
        name: BAD[name.split('.')[0].replace('frames_', '')]
        for name in bad
    }
    counts = ', '.join(f'{k}={v}'
                       for k, v in sorted(ds.bad_sample_counts.items()))
    fault_row(
        'input', f'{source.replace(":", " via ")}: truncated, '
        'random-bytes, empty and missing files among good ones',
        'each skipped (another sample drawn), counted, logged once',
        f'{len(samples)} good samples per epoch; {len(got)} bad files '
        f'recorded over 2 epochs ({counts})',
        cases=len(bad))


BUGS = {
    'KeyError in a transform':
    lambda m: _bug_dataset(m, KeyError('imgs')),
    'TypeError in a transform':
    lambda m: _bug_dataset(
        m, TypeError("unsupported operand type(s) for +: 'int' and 'str'")),
    'AttributeError (turbojpeg backend not installed)':
    lambda m: _image_dataset(m, 'turbojpeg', ['good0.jpg', 'good1.jpg']),
}


def _bug_dataset(media, err):
    return _video_dataset(
        media, 'decord', ['good0.mp4', 'good1.mp4'],
        extra=[MagicMock(side_effect=err)])  # a transform that raises err


@pytest.mark.parametrize('bug', list(BUGS))
def test_programming_error_fails_at_once(bug, media, fault_row):
    if 'turbojpeg' in bug and importlib.util.find_spec('turbojpeg'):
        pytest.skip('turbojpeg is installed here')
    ds = BUGS[bug](media)
    calls = []
    original = ds.pipeline
    ds.pipeline = lambda results: calls.append(1) or original(results)
    with pytest.raises((KeyError, TypeError, AttributeError)) as err:
        ds[0]
    assert len(calls) == 1 and not ds.bad_files
    fault_row(
        'input', bug, 'raised at the first try with its traceback '
        '(not retried, not counted as a bad file)',
        f'{type(err.value).__name__} after 1 pipeline call, 0 bad '
        'files')


@pytest.mark.slow
@pytest.mark.parametrize('num_workers', [0, 2])
def test_all_files_bad_stops_with_one_error(num_workers, media, fault_row):
    ds = _video_dataset(
        media, 'decord',
        ['truncated.mp4', 'random.mp4', 'empty.mp4', 'missing.mp4'])
    calls = []
    original = ds.pipeline
    ds.pipeline = lambda results: calls.append(1) or original(results)
    loader = DataLoader(
        ds,
        batch_size=2,
        num_workers=num_workers,
        collate_fn=repeat_default_collate)
    batches = iter(loader)
    try:
        with pytest.raises((NoUsableSampleError, RuntimeError)) as err:
            next(batches)
    finally:  # what __del__ does, now rather than at the next gc (seconds)
        getattr(batches, '_shutdown_workers', lambda: None)()
    msg = str(err.value)
    assert 'no usable sample in' in msg and ds.ann_file in msg
    assert 'all 4 samples are bad' in msg
    assert 'corrupt=' in msg and 'empty=' in msg and 'missing=' in msg
    if num_workers == 0:
        assert len(calls) < 60  # not max_refetch (1000) draws
    line = next(s for s in msg.splitlines() if 'no usable sample' in s)
    fault_row(
        'input', f'data set whose 4 files are all bad (num_workers='
        f'{num_workers})', 'one clear error naming the list and the '
        'count, no endless refetching',
        line.strip()[:170] + '...')


def test_bad_streak_and_test_mode(media, fault_row):
    ds = _video_dataset(
        media, 'decord', ['good0.mp4', 'random.mp4'], max_refetch=0)
    with pytest.raises(NoUsableSampleError, match='1 draws in a row') as err:
        ds[1]
    streak = next(s for s in str(err.value).splitlines() if 'draws' in s)
    ds = _video_dataset(
        media, 'decord', ['good0.mp4', 'random.mp4'], test_mode=True)
    assert len(ds[0][0]['inputs']) == 2
    with pytest.raises(NoUsableSampleError, match='random.mp4'):
        ds[1]
    fault_row(
        'input', 'more bad draws in a row than max_refetch (0); a bad file '
        'in test mode', 'one clear error each (naming the list, the counts '
        'and the file)',
        streak.split('; bad draws')[0],
        cases=2)


@pytest.mark.slow
@pytest.mark.parametrize('limit', [0.1, 0.5])
def test_bad_fraction_warns_loudly(limit, media, fault_row):
    names = [
        'good0.mp4', 'good1.mp4', 'random.mp4', 'good2.mp4', 'truncated.mp4',
        'good0.mp4'
    ]  # 2 of 6 bad
    ds = _video_dataset(media, 'decord', names)
    hook = BadSampleCounterHook(max_bad_fraction=limit)
    runner = MagicMock(epoch=0)
    for batch in DataLoader(
            ds, batch_size=2, num_workers=2,
            collate_fn=repeat_default_collate):
        hook.after_train_iter(runner, 0, batch)
    hook.after_train_epoch(runner)
    warnings = [c[0][0] for c in runner.logger.warning.call_args_list]
    if limit == 0.1:
        assert len(warnings) == 1 and '!!! BAD DATA' in warnings[0]
        fault_row(
            'input', 'epoch in which 2 of 6 listed files are bad '
            '(max_bad_fraction=0.1)', 'a loud warning with the '
            'fraction', warnings[0][:150] + '...')
    else:
        assert not warnings
        fault_row('input', 'the same epoch with max_bad_fraction=0.5',
                  'no warning', 'no warning')
