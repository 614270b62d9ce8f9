# Copyright (c) vicmae_mm contributors. All rights reserved.
import pytest


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory):
    """A small demo dataset (videos, raw frames, images), built once."""
    from vicmae_mm.datasets.demo import make_demo_dataset
    root = tmp_path_factory.mktemp('demo') / 'vicmae_demo'
    make_demo_dataset(str(root), seed=0, videos_per_class=3,
                      val_videos_per_class=1, images_per_class=4,
                      val_images_per_class=2, rawframes=True)
    return str(root)

