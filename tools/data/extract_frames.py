# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Extract videos to JPEG frame folders and write the raw-frame list.

Example::

    python tools/data/extract_frames.py data/kinetics400/videos_train \
        data/kinetics400/kinetics400_train_list_videos.txt \
        data/kinetics400/rawframes_train \
        --out-list data/kinetics400/kinetics400_train_list_rawframes.txt \
        --short-side 320 --frame-step 1 --workers 8

Resumable: finished videos (an existing frame folder) are skipped; frames
are written to ``<folder>.tmp`` and renamed when complete. Unreadable videos
are reported and left out of the list.
"""
import argparse
import os

from vicmae_mm.datasets.frame_extraction import (extract_videos,
                                                 read_video_list)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video_root', help='folder of the videos')
    parser.add_argument('video_list',
                        help='mmaction2 video list (path [label])')
    parser.add_argument('out_root', help='folder for the frame folders')
    parser.add_argument('--out-list', help='raw-frame list to write '
                        '(default: <out_root>.txt)')
    parser.add_argument('--short-side', type=int, default=320,
                        help='short side of the frames, <=0 keeps it')
    parser.add_argument('--frame-step', type=int, default=1,
                        help='keep one frame in N')
    parser.add_argument('--quality', type=int, default=95, help='JPEG quality')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    for path in (args.video_root, args.video_list):
        if not os.path.exists(path):
            raise FileNotFoundError(f'not found: {path!r}')
    videos = read_video_list(args.video_list)
    out_list = args.out_list or args.out_root.rstrip('/') + '.txt'
    entries = extract_videos(videos, args.video_root, args.out_root,
                             out_list, args.short_side, args.frame_step,
                             args.quality, args.workers,
                             not args.no_progress)
    print(f'\n{len(entries)}/{len(videos)} videos extracted; list: '
          f'{out_list}')
    failed = len(videos) - len(entries)
    if failed:
        print(f'{failed} unreadable videos were skipped')


if __name__ == '__main__':
    main()
