# Copyright (c) vicmae_mm contributors. All rights reserved.
"""tools/data/make_pair_shards.py: content, resume, parallel, bad input."""
import json
import os
import os.path as osp
import runpy
import sys
import tarfile

import numpy as np
import pytest

from vicmae_mm.datasets.pair_shards import _encode
from vicmae_mm.datasets.pyav_decoding import decode_frames
from vicmae_mm.datasets.shard_io import index_path, scan_shard
from vicmae_mm.datasets.video_index import get_video_index, open_container

TOOL = osp.join(
    osp.dirname(__file__), '..', '..', 'tools', 'data', 'make_pair_shards.py')
GAPS = ['--gap-unit', 'frame', '--min-gap', 4, '--max-gap', 16]


def _run(*args):
    argv = sys.argv
    sys.argv = [TOOL] + [str(a) for a in args]
    try:
        return runpy.run_path(TOOL, run_name='not_main')['main']()
    finally:
        sys.argv = argv


@pytest.fixture
def videos(demo_root, tmp_path):
    lst = tmp_path / 'list.txt'
    lines = open(osp.join(demo_root, 'videos_train.txt')).read().split('\n')
    (tmp_path / 'bad.mp4').write_bytes(b'\x00' * 5000)
    lines = [ln for ln in lines if ln][:5]
    lines.insert(2, f'{tmp_path / "bad.mp4"} 9')
    lst.write_text('\n'.join(lines) + '\n')
    return osp.join(demo_root, 'videos'), str(lst)


def _members(shard):
    with tarfile.open(shard) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def test_shards_hold_the_exact_frames_gaps_and_source(videos, tmp_path):
    root, lst = videos
    out = _run(root, lst, tmp_path / 'sh', *GAPS, '--pairs-per-video', 3,
               '--videos-per-shard', 2, '--short-side', 0, '--workers', 1,
               '--no-progress')
    assert [osp.basename(s) for s in out['shards']
            ] == ['shard-000000.tar', 'shard-000001.tar', 'shard-000002.tar']
    assert out['samples'] == 5 * 3 and list(
        out['failed']) == [str(tmp_path / 'bad.mp4')]
    assert 'Invalid data' in out['failed'][str(tmp_path / 'bad.mp4')]
    manifest = json.load(open(tmp_path / 'sh' / 'shards.json'))
    assert manifest['counts'] == [6, 3, 6] and manifest['samples'] == 15
    members = _members(out['shards'][0])
    names = sorted(members)
    assert names[:3] == [
        '000000000_000.f0.jpg', '000000000_000.f1.jpg', '000000000_000.json'
    ]
    for name in names:
        if not name.endswith('.json'):
            continue
        meta = json.loads(members[name])
        key = name[:-5]
        assert 4 <= meta['frame_gaps'][0] <= 16
        assert meta['gap_seconds'][0] == pytest.approx(
            meta['frame_gaps'][0] / 16)  # demo videos: 16 fps
        assert meta['fps'] == 16 and meta['total_frames'] == 48
        path = osp.join(root, meta['source'])
        frames = decode_frames(
            open_container(path), get_video_index(path), meta['frame_inds'])
        for t, frame in enumerate(frames):  # same pixels, same JPEG bytes
            assert members[f'{key}.f{t}.jpg'] == _encode(frame, 0, 90)
    # the index agrees with the tar headers
    side = json.load(open(index_path(out['shards'][0])))
    os.remove(index_path(out['shards'][0]))
    assert [list(s) for s in scan_shard(out['shards'][0])
            ] == [[k, v] for k, v in side['samples']]


@pytest.mark.slow
def test_resume_skips_complete_shards_and_rewrites_the_same(videos, tmp_path):
    root, lst = videos
    args = [
        root, lst, tmp_path / 'sh', *GAPS, '--videos-per-shard', 2,
        '--no-progress', '--workers', 1
    ]
    first = _run(*args)
    before = {s: open(s, 'rb').read() for s in first['shards']}
    stamp = [os.stat(s).st_mtime_ns for s in first['shards']]
    # an interrupted run: shard 1 lost its index, a .tmp was left over
    os.remove(index_path(first['shards'][1]))
    open(first['shards'][2] + '.tmp', 'wb').write(b'partial')
    again = _run(*args)
    assert again['written'] == 1
    assert os.stat(first['shards'][0]).st_mtime_ns == stamp[0]
    assert {s: open(s, 'rb').read() for s in again['shards']} == before
    # in parallel: the same bytes
    par = _run(root, lst, tmp_path / 'par', *GAPS, '--videos-per-shard', 2,
               '--no-progress', '--workers', 2)
    assert [open(s, 'rb').read()
            for s in par['shards']] == list(before.values())


def test_raw_frame_lists_and_bad_lines(demo_root, tmp_path):
    lst = tmp_path / 'raw.txt'
    lst.write_text(open(osp.join(demo_root, 'rawframes_train.txt')).readline())
    out = _run(
        osp.join(demo_root, 'rawframes'), lst, tmp_path / 'sh', '--rawframes',
        *GAPS, '--pairs-per-video', 2, '--short-side', 48, '--no-progress',
        '--workers', 1)
    assert out['samples'] == 2 and not out['failed']
    members = _members(out['shards'][0])
    meta = json.loads(members['000000000_000.json'])
    assert meta['source'] == 'circle_000' and meta['label'] == 0
    import cv2
    img = cv2.imdecode(
        np.frombuffer(members['000000000_000.f1.jpg'], np.uint8),
        cv2.IMREAD_COLOR)
    assert img.shape == (48, 48, 3)  # 96 px frames, short side 48
    lst.write_text('circle_000 many 0\n')
    with pytest.raises(ValueError, match='raw.txt:1'):
        _run(demo_root, lst, tmp_path / 'x', '--rawframes')
    with pytest.raises(FileNotFoundError, match='nope'):
        _run(demo_root, tmp_path / 'nope.txt', tmp_path / 'x')


def test_pair_window_and_bad_sampler_arguments(videos, tmp_path):
    """--pair-window goes to SampleFramePair; bad gaps fail before writing."""
    root, lst = videos
    out = _run(root, lst, tmp_path / 'sh', *GAPS, '--pairs-per-video', 6,
               '--pair-window', 2, '--short-side', 0, '--no-progress',
               '--workers', 1)
    starts = {}
    for shard in out['shards']:
        for name, data in _members(shard).items():
            if name.endswith('.json'):
                meta = json.loads(data)
                starts.setdefault(meta['source'], []).append(
                    meta['frame_inds'][0])
    assert len(starts) == 5 and all(len(s) == 6 for s in starts.values())
    assert max(max(s) - min(s) for s in starts.values()) <= 2
    with pytest.raises(ValueError, match='SampleFramePair: .*min_gap=5.0, max_gap=2.0'):
        _run(root, lst, tmp_path / 'bad', '--min-gap', 5, '--max-gap', 2,
             '--no-progress')
    assert not osp.exists(tmp_path / 'bad')
