# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Write WebDataset tar shards of pre-extracted, pre-paired frames.

From an mmaction2 video list (``path [label]``) or, with ``--rawframes``, a
raw-frame list (``frame_dir total_frames [label]``, frames
``img_00001.jpg`` ...). Each source gives ``--pairs-per-video`` pairs
(``--num-frames`` frames, consecutive ones ``--min-gap``..``--max-gap``
apart, in ``--gap-unit``), decoded exactly (keyframe seek, forward decode),
resized to ``--short-side`` and stored as JPEG with JSON metadata (source,
frame indices, gap in frames and seconds, fps, label). Read them with
``FramePairShardDataset`` + ``ShardAwareSampler``.

Example::

    python tools/data/make_pair_shards.py data/kinetics400/videos_train \
        data/kinetics400/kinetics400_train_list_videos.txt \
        data/kinetics400/pair_shards --pairs-per-video 8 --workers 16

Parallel (``--workers``), resumable (complete shards are skipped; a rerun
with the same arguments writes identical shards) and with a progress bar.
Unreadable sources are skipped, listed and counted in ``shards.json``.
"""
import argparse
import os

from vicmae_mm.datasets.frame_extraction import read_video_list
from vicmae_mm.datasets.pair_shards import write_pair_shards


def window_arg(value: str):
    """``--pair-window``: 'gop' or a length."""
    return value if value == 'gop' else float(value)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='folder the list paths are relative to')
    parser.add_argument(
        'list', help='video list or, with --rawframes, a '
        'raw-frame list')
    parser.add_argument('out_dir', help='folder for the shards')
    parser.add_argument(
        '--rawframes',
        action='store_true',
        help='the list is "frame_dir total_frames [label]"')
    parser.add_argument('--pairs-per-video', type=int, default=8)
    parser.add_argument('--num-frames', type=int, default=2)
    parser.add_argument('--min-gap', type=float, default=0.5)
    parser.add_argument('--max-gap', type=float, default=1.5)
    parser.add_argument(
        '--gap-unit', choices=('frame', 'second'), default='second')
    parser.add_argument(
        '--pair-window',
        type=window_arg,
        default=None,
        help="the pairs' starts lie in one window of this length (in "
        "--gap-unit) or in one keyframe interval ('gop'); default: the "
        'whole source (SampleFramePair pair_window)')
    parser.add_argument(
        '--fps',
        type=float,
        default=30.,
        help='fps of raw frames / videos without one')
    parser.add_argument(
        '--short-side', type=int, default=320, help='<= 0 keeps the size')
    parser.add_argument('--quality', type=int, default=90)
    parser.add_argument('--videos-per-shard', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def read_sources(path, rawframes):
    """(relative path, label, total frames or None) per list line."""
    if not rawframes:
        return [(p, label, None) for p, label in read_video_list(path)]
    sources = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 2 or not fields[1].isdigit():
                raise ValueError(f'{path}:{lineno}: expected "frame_dir '
                                 f'total_frames [label]", got {line!r}')
            sources.append((fields[0], ' '.join(fields[2:]), int(fields[1])))
    return sources


def main(argv=None) -> dict:
    args = parse_args(argv)
    for path in (args.root, args.list):
        if not os.path.exists(path):
            raise FileNotFoundError(f'not found: {path!r}')
    sources = read_sources(args.list, args.rawframes)
    sampler = dict(
        min_gap=args.min_gap,
        max_gap=args.max_gap,
        gap_unit=args.gap_unit,
        num_frames=args.num_frames,
        num_pairs=args.pairs_per_video,
        default_fps=args.fps,
        pair_window=args.pair_window)
    out = write_pair_shards(
        sources,
        args.root,
        args.out_dir,
        sampler,
        seed=args.seed,
        short_side=args.short_side,
        quality=args.quality,
        sources_per_shard=args.videos_per_shard,
        num_workers=args.workers,
        progress=not args.no_progress)
    print(f'\n{out["samples"]} samples in {len(out["shards"])} shards '
          f'({out["written"]} written now) in {args.out_dir}')
    if out['failed']:
        print(f'{len(out["failed"])} unreadable sources were skipped:')
        for source, reason in list(out['failed'].items())[:20]:
            print(f'  {source}: {reason}')
    return out


if __name__ == '__main__':
    main()
