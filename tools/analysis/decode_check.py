# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Do the video decoders return the frames a sequential decode returns?

For each clip (synthetic clips written here with PyAV, one per codec and
container of ``vicmae_mm.datasets.synthetic_video.CODECS``, and any
``--video PATH``), draws random frame indices (8 per draw, as K=4 pairs),
decodes them with each decoder on a fresh reader and compares them with a
sequential PyAV decode of the same frames (mean absolute error per frame on
0-255 pixels; 0 = exact):

- ``decord``: mmaction2's ``DecordDecode`` on the sorted unique indices
  (what ``SortedDecordDecode`` did before it was made exact)
- ``sorted``: ``SortedDecordDecode`` now (decord where it is right, PyAV
  elsewhere)
- ``exact``: ``ExactVideoInit`` + ``ExactVideoDecode`` (PyAV)
- ``torchcodec``: ``VideoDecoder(seek_mode='exact').get_frames_at`` when
  torchcodec imports and finds FFmpeg libraries

Example::

    python tools/analysis/decode_check.py                    # 720p, GOP 250
    python tools/analysis/decode_check.py --size 96x64 --gop 24 --frames 60
    python tools/analysis/decode_check.py --no-synthetic --video a.mp4
"""
import argparse
import json
import os.path as osp
import tempfile

import numpy as np
from mmengine.utils import ProgressBar

DECODERS = ('decord', 'sorted', 'exact', 'torchcodec')


def sequential(path, wanted):
    """{index: frame} for ``wanted`` from a PyAV decode from the start."""
    import av
    out, last = {}, max(wanted)
    with av.open(path) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in wanted:
                out[i] = frame.to_ndarray(format='rgb24')
            if i >= last:
                break
    return out


def make_decoders():
    """name -> fn(path, indices) -> list of frames, for what imports."""
    import decord
    from mmaction.datasets.transforms import DecordDecode
    from mmpretrain.registry import TRANSFORMS

    import vicmae_mm  # noqa: F401  (registration)
    init = TRANSFORMS.build(dict(type='ExactVideoInit'))
    exact = TRANSFORMS.build(dict(type='ExactVideoDecode'))
    sorted_decode = TRANSFORMS.build(dict(type='SortedDecordDecode'))

    def run_decord(path, inds):
        unique, inverse = np.unique(inds, return_inverse=True)
        frames = DecordDecode()._decord_load_frames(
            decord.VideoReader(path, num_threads=1), unique)
        return [frames[i] for i in inverse]

    def run_sorted(path, inds):
        results = dict(
            filename=path,
            frame_inds=np.array(inds),
            video_reader=decord.VideoReader(path, num_threads=1))
        return sorted_decode(results)['imgs']

    def run_exact(path, inds):
        results = init(dict(filename=path))
        results['frame_inds'] = np.array(inds)
        return exact(results)['imgs']

    decoders = dict(decord=run_decord, sorted=run_sorted, exact=run_exact)
    try:
        from torchcodec.decoders import VideoDecoder

        def run_torchcodec(path, inds):
            dec = VideoDecoder(
                path,
                seek_mode='exact',
                dimension_order='NHWC',
                num_ffmpeg_threads=1)
            return list(dec.get_frames_at(list(map(int, inds))).data.numpy())

        decoders['torchcodec'] = run_torchcodec
    except (ImportError, OSError, RuntimeError):
        pass
    return decoders


def _errors(fn, path, sets, ref):
    """(mean, max, failed draws) of one decoder over the draws."""
    errors, failed = [], 0
    for inds in sets:
        try:
            frames = fn(path, inds)
        except Exception:  # a decoder that cannot read the file
            failed += 1
            continue
        errors += [
            np.abs(f.astype(np.int16) - ref[int(i)]).mean()
            for f, i in zip(frames, inds)
        ]
    return (float(np.mean(errors)) if errors else None,
            float(np.max(errors)) if errors else None, failed)


def _in_child(queue, fn, path, sets, ref):
    queue.put(_errors(fn, path, sets, ref))


def check(path, decoders, draws, seed, timeout):
    """{decoder: (mean MAE, max MAE, failed draws)} for one clip.

    Each decoder runs in a forked process that is stopped after
    ``timeout`` seconds (decord 0.6.0 can loop for minutes on MPEG-TS);
    its entry is then ``'timeout'``.
    """
    import multiprocessing as mp

    from vicmae_mm.datasets.video_index import get_video_index
    total = get_video_index(path).num_frames
    rng = np.random.default_rng(seed)
    sets = [rng.integers(0, total, 8) for _ in range(draws)]
    ref = sequential(path, set(int(i) for s in sets for i in s))
    ctx = mp.get_context('fork')
    out = {}
    for name, fn in decoders.items():
        queue = ctx.Queue()
        proc = ctx.Process(target=_in_child, args=(queue, fn, path, sets,
                                                   ref))
        proc.start()
        try:
            out[name] = queue.get(timeout=timeout)
        except Exception:  # queue.Empty: still running
            out[name] = 'timeout'
        proc.terminate()
        proc.join()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--video',
        action='append',
        default=[],
        help='a video to check (repeatable)')
    parser.add_argument('--no-synthetic', action='store_true')
    parser.add_argument('--codecs', nargs='*', help='subset of the codecs')
    parser.add_argument('--size', default='1280x720', help='WxH')
    parser.add_argument('--frames', type=int, default=300)
    parser.add_argument(
        '--gop',
        type=int,
        default=250,
        help='keyframe interval (250 = 10 s at 25 fps)')
    parser.add_argument('--draws', type=int, default=10)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-dir', help='keep the synthetic clips here')
    parser.add_argument('--timeout', type=float, default=300,
                        help='seconds per decoder and clip')
    args = parser.parse_args(argv)
    from vicmae_mm.datasets.synthetic_video import (CODECS,
                                                    write_synthetic_video)
    width, height = map(int, args.size.lower().split('x'))
    clips = {osp.basename(v): v for v in args.video}
    names = [] if args.no_synthetic else (args.codecs or list(CODECS))
    out_dir = args.out_dir or tempfile.mkdtemp(prefix='vicmae_decode_')
    decoders = make_decoders()
    bar = ProgressBar(len(names) + len(clips))
    results = {}
    for name in names:
        path = osp.join(out_dir, f'{name}.{CODECS[name][1]}')
        if not osp.exists(path):
            write_synthetic_video(path, name, args.frames, width, height,
                                  args.gop)
        results[name] = check(path, decoders, args.draws, args.seed,
                              args.timeout)
        bar.update()
    for name, path in clips.items():
        results[name] = check(path, decoders, args.draws, args.seed,
                              args.timeout)
        bar.update()
    print(f'\nmean / max absolute error per frame (0-255) against a '
          f'sequential decode; {args.draws} draws of 8 frames; synthetic: '
          f'{args.size}, {args.frames} frames, keyframes every {args.gop}')
    print('| clip | ' + ' | '.join(decoders) + ' |')
    print('|---' * (len(decoders) + 1) + '|')
    for clip, row in results.items():
        cells = []
        for name in decoders:
            if row[name] == 'timeout':
                cells.append(f'> {args.timeout:.0f} s')
                continue
            mean, worst, failed = row[name]
            cell = ('cannot read'
                    if mean is None else f'{mean:.1f} / {worst:.1f}')
            cells.append(cell + (
                f' ({failed} failed)' if failed and mean is not None else ''))
        print(f'| {clip} | ' + ' | '.join(cells) + ' |')
    print(json.dumps(results))
    return results


if __name__ == '__main__':
    main()
