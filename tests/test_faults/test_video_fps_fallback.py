# Copyright (c) vicmae_mm contributors. All rights reserved.
"""A gap in seconds on a video without an average frame rate.

The fallback order: the stream's average rate, the container's nominal
rate, the rate of the timestamps, and only then ``default_fps`` with a
warning that names the file and a counted ``'no_fps'`` event.
"""
import logging
from fractions import Fraction
from types import SimpleNamespace

import av
import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

from vicmae_mm.datasets.sample_events import collect_sample_events
from vicmae_mm.datasets.synthetic_video import write_synthetic_video
from vicmae_mm.datasets.transforms import ExactVideoInit, SampleFramePair
from vicmae_mm.datasets.transforms import sample_frame_pair as sfp
from vicmae_mm.datasets import video_index
from vicmae_mm.datasets.video_index import INDEX_CACHE, stream_fps

SECONDS = dict(min_gap=0.5, max_gap=1.0, gap_unit='second', default_fps=3)


@pytest.fixture(scope='module')
def ivf(tmp_path_factory):
    """AV1 in IVF at 25 fps: the stream has no average rate."""
    if 'libsvtav1' not in av.codecs_available:
        pytest.skip('no AV1 encoder in this FFmpeg')
    path = str(tmp_path_factory.mktemp('fps') / 'no_avg_rate.ivf')
    write_synthetic_video(path, 'libsvtav1', 60, 64, 48, gop=10, bframes=0)
    with av.open(path) as c:
        assert c.streams.video[0].average_rate is None
    return path


@pytest.fixture
def warnings_log():
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


def test_exact_init_takes_the_container_rate(ivf):
    out = ExactVideoInit()(dict(filename=ivf))
    assert out['avg_fps'] == 25 and out['fps_source'] == 'container'


def test_decord_style_nan_fps_falls_back_to_the_container(ivf):
    t = SampleFramePair(**SECONDS, num_pairs=16)
    with collect_sample_events() as events:
        out = t(dict(total_frames=60, avg_fps=float('nan'), filename=ivf))
    gaps = out['frame_gaps']
    assert gaps.min() >= 12 and gaps.max() <= 25  # 0.5-1 s at 25 fps
    assert out['avg_fps'] == 25 and not events


def test_fps_from_timestamps_when_the_stream_has_no_rate():
    stream = SimpleNamespace(
        average_rate=None,
        base_rate=Fraction(0, 1),
        guessed_rate=None,
        time_base=Fraction(1, 1000))
    fps, source = stream_fps(stream, np.arange(0, 2000, 40))
    assert source == 'timestamps' and fps == pytest.approx(25)
    assert stream_fps(stream, np.array([7])) == (None, 'none')


def test_no_rate_at_all_warns_once_naming_the_file_and_counts(
        ivf, monkeypatch, warnings_log):
    no_fps = SimpleNamespace(fps=None)
    monkeypatch.setattr(sfp, 'get_video_index', lambda path: no_fps)
    sfp._WARNED_NO_FPS.clear()
    t = SampleFramePair(**SECONDS)
    with collect_sample_events() as events:
        for _ in range(3):
            out = t(dict(total_frames=60, avg_fps=0.0, filename=ivf))
    assert 1 <= out['frame_gaps'][0, 0] <= 3  # default_fps=3
    assert [e[:2] for e in events] == [('no_fps', ivf)] * 3
    hits = [m for m in warnings_log if 'no_avg_rate.ivf' in m]
    assert len(hits) == 1 and 'default_fps=3' in hits[0]


def test_dataset_counts_no_fps_and_keeps_training(ivf, tmp_path, monkeypatch):
    # a file with no rate anywhere (stream, container or timestamps)
    monkeypatch.setattr(video_index, 'stream_fps', lambda stream, pts:
                        (None, 'none'))
    INDEX_CACHE.clear()
    sfp._WARNED_NO_FPS.clear()
    (tmp_path / 'list.txt').write_text(f'{ivf} 0\n')
    ds = DATASETS.build(
        dict(
            type='FramePairVideoDataset',
            ann_file=str(tmp_path / 'list.txt'),
            pipeline=[
                dict(type='ExactVideoInit'),
                dict(type='SampleFramePair', **SECONDS),
                dict(type='ExactVideoDecode'),
                dict(type='PerFrameAugment'),
                dict(type='PackFramePairs')
            ]))
    for _ in range(2):
        sample, = ds[0]  # K = 1 pair
        assert len(sample['inputs']) == 2
        gap = np.diff(sample['data_samples'].frame_inds)[0]
        assert 1 <= gap <= 3
    assert ds.bad_sample_counts['no_fps'] == 2 and not ds.bad_files
    INDEX_CACHE.clear()
