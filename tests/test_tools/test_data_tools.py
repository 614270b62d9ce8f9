# Copyright (c) vicmae_mm contributors. All rights reserved.
import json
import os
import os.path as osp
import runpy
import sys

import cv2
import numpy as np
import pytest

TOOLS = osp.join(osp.dirname(__file__), '..', '..', 'tools')


def _run(script, args, capsys=None):
    argv = sys.argv
    sys.argv = [script] + [str(a) for a in args]
    try:
        runpy.run_path(osp.join(TOOLS, script), run_name='__main__')
    finally:
        sys.argv = argv


def _video(path, n, size=(60, 40)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, size)
    for i in range(n):
        w.write(np.full((size[1], size[0], 3), 20 * i % 255, np.uint8))
    w.release()


@pytest.mark.slow
def test_extract_frames_resizes_steps_resumes_and_skips_bad(tmp_path):
    vids = tmp_path / 'videos'
    (vids / 'sub').mkdir(parents=True)
    _video(vids / 'a.mp4', 10)
    _video(vids / 'sub' / 'b.mp4', 7)
    (vids / 'bad.mp4').write_bytes(b'garbage' * 50)
    (tmp_path / 'list.txt').write_text('a.mp4 1\nsub/b.mp4 2\nbad.mp4 0\n')
    out, lst = tmp_path / 'frames', tmp_path / 'frames.txt'
    args = [vids, tmp_path / 'list.txt', out, '--short-side', 20,
            '--frame-step', 2, '--workers', 2, '--no-progress']
    _run('data/extract_frames.py', args)
    assert lst.read_text() == 'a 5 1\nsub/b 4 2\n'
    img = cv2.imread(str(out / 'a' / 'img_00001.jpg'))
    assert img.shape == (20, 30, 3)
    # resume: a finished folder is not redone
    marker = out / 'a' / 'img_00005.jpg'
    os.utime(marker, (1, 1))
    _run('data/extract_frames.py', args)
    assert os.stat(marker).st_mtime == 1
    assert lst.read_text() == 'a 5 1\nsub/b 4 2\n'
    assert not [p for p in os.listdir(out) if p.endswith('.tmp')]


def test_make_demo_dataset_cli(tmp_path):
    _run('data/make_demo_dataset.py',
         ['--out', tmp_path / 'demo', '--num-classes', 2,
          '--videos-per-class', 2, '--images-per-class', 1,
          '--no-rawframes'])
    assert (tmp_path / 'demo' / 'videos' / 'square_001.mp4').is_file()
    assert (tmp_path / 'demo' / 'images' / 'val' / 'circle').is_dir()
    assert not (tmp_path / 'demo' / 'rawframes').exists()


def test_benchmark_loader_tiny(capsys, tmp_path):
    clip = str(tmp_path / 'clip.mkv')
    from vicmae_mm.datasets.synthetic_video import write_synthetic_video
    write_synthetic_video(clip, 'mpeg2-mkv', 40, 64, 48, gop=20)
    _run('analysis/benchmark_loader.py', ['--tiny', '--video', clip])
    lines = capsys.readouterr().out.strip().split('\n')
    report = json.loads(lines[-1])
    for key in ('results', 'results_cpu'):
        for name in ('demo', 'clip.mkv'):
            result = report[key][name]
            assert set(result) == {'a', 'b', 'bw', 'a_dec', 'b_dec', 'c',
                                   'e', 'd', 'd0'}
            assert all(len(v) == 1 and v[0] > 0 for v in result.values())
    assert report['gaps']['demo']['window'] is not None
    assert sum(line.startswith('| demo | 1 |') for line in lines) == 2
    assert sum(line.startswith('| clip.mkv | 1 |') for line in lines) == 2


@pytest.mark.slow
def test_decode_check_tiny(capsys):
    _run('analysis/decode_check.py', ['--size', '64x48', '--frames', 30,
                                      '--gop', 12, '--draws', 2, '--codecs',
                                      'h264', 'mpeg2-mkv'])
    report = json.loads(capsys.readouterr().out.strip().split('\n')[-1])
    for codec in ('h264', 'mpeg2-mkv'):
        assert report[codec]['exact'][:2] == [0.0, 0.0]
        assert report[codec]['sorted'][:2] == [0.0, 0.0]
    assert report['mpeg2-mkv']['decord'][1] > 10  # decord's wrong seeks
