# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Sampled frames equal a sequential decode, pixel for pixel, per codec.

Clips are written here with PyAV (small, with the GOP structure that broke
decord: B-frames, open GOPs, MPEG-TS/PS); the reference is a PyAV decode of
every frame from the start.
"""
import os.path as osp

import av
import numpy as np
import pytest
from mmpretrain.registry import TRANSFORMS

from vicmae_mm.datasets.pyav_decoding import decode_frames
from vicmae_mm.datasets.synthetic_video import (CODECS, write_synthetic_video)
from vicmae_mm.datasets.video_index import (INDEX_CACHE, decode_runs,
                                            get_video_index, open_container)

GOP = 24
NUM_FRAMES = 60


def _available(name):
    encoder = CODECS[name][0]
    return encoder.startswith('cv2:') or encoder in av.codecs_available


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp('codecs')
    out = {}
    for name, (_, ext, _, _) in CODECS.items():
        if _available(name):
            path = str(root / f'{name}.{ext}')
            write_synthetic_video(path, name, NUM_FRAMES, 96, 64, GOP)
            with av.open(path) as c:
                ref = [f.to_ndarray(format='rgb24') for f in c.decode(video=0)]
            out[name] = (path, np.stack(ref))
    return out


def _hard_indices(num_frames):
    """Keyframe neighbours, leading frames, the end, repeats, reversed."""
    near = [GOP - 2, GOP - 1, GOP, GOP + 1, 2 * GOP - 1, 2 * GOP + 1]
    return [num_frames - 1, *near[::-1], 0, 3, GOP, 2 * GOP - 3]


def _pipeline(decode):
    init = dict(type='mmaction.DecordInit') if decode == 'SortedDecordDecode' \
        else dict(type='ExactVideoInit')
    return [TRANSFORMS.build(init), TRANSFORMS.build(dict(type=decode))]


@pytest.mark.parametrize('decode', ['ExactVideoDecode', 'SortedDecordDecode'])
@pytest.mark.parametrize('name', sorted(CODECS))
def test_sampled_frames_equal_sequential_decode(clips, name, decode):
    if name not in clips:
        pytest.skip(f'no {CODECS[name][0]} encoder in this FFmpeg')
    path, ref = clips[name]
    assert len(ref) == NUM_FRAMES
    rng = np.random.default_rng(0)
    draws = [_hard_indices(len(ref))
             ] + [rng.integers(0, len(ref), 8).tolist() for _ in range(4)]
    INDEX_CACHE.clear()  # the first draw reads the index, later ones reuse
    init, dec = _pipeline(decode)
    for inds in draws:
        results = init(dict(filename=path, start_index=0))
        assert results['total_frames'] == len(ref)
        results['frame_inds'] = np.array(inds)
        imgs = dec(results)['imgs']
        for i, img in zip(inds, imgs):
            np.testing.assert_array_equal(img, ref[i], err_msg=f'frame {i}')
    if decode == 'ExactVideoDecode':
        assert INDEX_CACHE.hits >= 4


def test_threads_and_skipping_do_not_change_pixels(clips):
    path, ref = clips['h264-opengop']
    inds = _hard_indices(len(ref))
    index = get_video_index(path)
    for threads, skip in [(0, True), (2, False), (1, False)]:
        imgs = decode_frames(open_container(path), index, inds, threads, skip)
        np.testing.assert_array_equal(np.stack(imgs), ref[inds])


class _LateSeeks:
    """A container whose seeks land one GOP late (like MPEG-PS can)."""

    def __init__(self, container, index):
        self._c, self._index = container, index

    def __getattr__(self, name):
        return getattr(self._c, name)

    def seek(self, offset, **kwargs):
        late = int(self._index.pts[2 * GOP])
        return self._c.seek(
            late, **{
                **kwargs, 'unsupported_byte_offset': False,
                'stream': self._c.streams.video[0]
            })


def test_a_seek_that_lands_wrong_falls_back_to_the_start(clips):
    path, ref = clips['h264']
    index = get_video_index(path, cache=False)
    late = _LateSeeks(open_container(path), index)
    imgs = decode_frames(late, index, [31, 5])
    np.testing.assert_array_equal(np.stack(imgs), ref[[31, 5]])
    assert index.seek_ok is False
    # remembered: the next call goes straight to the sequential decode
    late = _LateSeeks(open_container(path), index)
    imgs = decode_frames(late, index, [40])
    np.testing.assert_array_equal(imgs[0], ref[40])


def test_decode_runs_decode_each_frame_once():

    class Index:
        key_inds = np.array([0, 10, 20, 30])

        def keyframe_of(self, f):
            pos = np.searchsorted(self.key_inds, f, side='right') - 1
            return self.key_inds[pos]

    runs = decode_runs(Index(), [25, 3, 12, 3, 8, 29, 31])
    # one seek to 0 serves 3 and 8; 12 needs keyframe 10 (after 8): seek;
    # 25 and 29 from 20; 31's keyframe 30 comes after 29: seek
    assert runs == [(0, [3, 8]), (10, [12]), (20, [25, 29]), (30, [31])]
    spans = [(k, f[-1]) for k, f in runs]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))  # disjoint


def test_decord_seeks_are_wrong_where_we_check(clips):
    """The finding this module guards against (decord 0.6.0).

    Plain ``mmaction.DecordDecode`` after a seek, against the sequential
    reference: wrong frames on open-GOP MPEG-2 in mkv and on H.264 in
    MPEG-TS. (If this starts failing, decord was fixed.)
    """
    init = TRANSFORMS.build(dict(type='mmaction.DecordInit'))
    decode = TRANSFORMS.build(dict(type='mmaction.DecordDecode'))
    errors = {}
    for name in ('mpeg2-mkv', 'h264-ts'):
        path, ref = clips[name]
        inds = [GOP + 1, 2 * GOP + 2, 5]
        results = init(dict(filename=path))
        results['frame_inds'] = np.array(inds)
        imgs = np.stack(decode(results)['imgs']).astype(int)
        errors[name] = np.abs(imgs - ref[inds]).mean(axis=(1, 2, 3)).max()
    assert all(e > 10 for e in errors.values()), errors


@pytest.mark.parametrize('content', [b'', b'not a video' * 300, 'half'])
def test_bad_files_raise_value_or_os_error_naming_the_file(
        clips, tmp_path, content):
    path = str(tmp_path / 'bad.mp4')
    if content == 'half':
        data = open(clips['h264'][0], 'rb').read()
        content = data[:len(data) // 3]
    with open(path, 'wb') as f:
        f.write(content)
    pipeline = _pipeline('ExactVideoDecode')
    with pytest.raises((OSError, ValueError), match='bad.mp4'):
        results = pipeline[0](dict(filename=path))
        results['frame_inds'] = np.array([0, results['total_frames'] - 1])
        pipeline[1](results)
    with pytest.raises(FileNotFoundError, match='nope.mp4'):
        get_video_index(osp.join(str(tmp_path), 'nope.mp4'))


def test_out_of_range_frame_is_a_value_error(clips):
    path, _ = clips['h264']
    with pytest.raises(ValueError, match='outside'):
        decode_frames(open_container(path), get_video_index(path), [60])


def test_sorted_decord_decode_keeps_decord_only_where_it_is_right(clips):
    import decord

    from vicmae_mm.datasets.transforms.sorted_decord_decode import \
        decord_seeks_exactly
    verdict = {
        name:
        decord_seeks_exactly(decord.VideoReader(path), get_video_index(path))
        for name, (path, _) in clips.items()
    }
    assert verdict['h264'] and verdict['vp9']
    assert not any(verdict[n] for n in ('h264-opengop', 'h264-ts', 'mpeg2',
                                        'mpeg2-mkv', 'mpeg4-avi'))


def test_dataset_skips_names_and_counts_bad_videos(clips, tmp_path):
    from mmpretrain.registry import DATASETS
    good = clips['h264'][0]
    (tmp_path / 'empty.mp4').write_bytes(b'')
    (tmp_path / 'garbage.mkv').write_bytes(b'\x1a\x45\xdf\xa3' * 999)
    data = open(good, 'rb').read()
    (tmp_path / 'cut.mp4').write_bytes(data[:len(data) // 2])
    bad = ['missing.mp4', 'empty.mp4', 'garbage.mkv', 'cut.mp4']
    lines = [good] + [str(tmp_path / b) for b in bad]
    (tmp_path / 'list.txt').write_text('\n'.join(lines) + '\n')
    ds = DATASETS.build(
        dict(
            type='FramePairVideoDataset',
            ann_file=str(tmp_path / 'list.txt'),
            pipeline=[
                dict(type='ExactVideoInit'),
                dict(type='SampleFramePair', min_gap=2, max_gap=9),
                dict(type='ExactVideoDecode'),
                dict(type='PerFrameAugment'),
                dict(type='PackFramePairs')
            ]))
    for i in range(len(ds)):
        assert len(ds[i][0]['inputs']) == 2
    reasons = {osp.basename(p): r for p, r in ds.bad_files.items()}
    assert reasons == {'missing.mp4': 'missing', 'empty.mp4': 'empty',
                       'garbage.mkv': 'corrupt', 'cut.mp4': 'corrupt'}
    assert ds.bad_sample_counts['corrupt'] >= 2  # each draw counts
