# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Write the built-in procedural demo dataset (see vicmae_mm.datasets.demo).

Example::

    python tools/data/make_demo_dataset.py --out data/vicmae_demo --seed 0
"""
import argparse
import time

from vicmae_mm.datasets.demo import make_demo_dataset


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/vicmae_demo')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-classes', type=int, default=4)
    parser.add_argument('--videos-per-class', type=int, default=8)
    parser.add_argument('--images-per-class', type=int, default=24)
    parser.add_argument('--no-rawframes', action='store_true',
                        help='skip the pre-extracted JPEG frames')
    args = parser.parse_args(argv)
    start = time.time()
    paths = make_demo_dataset(
        args.out, seed=args.seed, num_classes=args.num_classes,
        videos_per_class=args.videos_per_class,
        images_per_class=args.images_per_class,
        rawframes=not args.no_rawframes)
    print(f'demo dataset written to {paths["root"]} in '
          f'{time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
