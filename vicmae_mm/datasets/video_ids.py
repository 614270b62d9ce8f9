# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Video ids: which rows of a batch come from one video.

With ``num_pairs=K > 1`` (or an image copied into 2K frames, or the pairs of
one video written as K shard samples) a batch holds several pairs of one
source; the contrastive loss must not treat them as each other's negatives
(:class:`~vicmae_mm.models.losses.InfoNCELoss`, ``same_video``). The id is a
hash of the source's name, so it is the same in every worker, rank and
sub-dataset of a ``ConcatDataset`` (``sample_idx`` is not: shard samples of
one video have different indices, and video i and image i of a
``ConcatDataset`` share one).
"""
import hashlib
from typing import Any, Optional, Sequence, Tuple

#: results keys naming a sample's source, first found wins: the video file
#: (``filename``; the shard loader sets it to the shard's ``source``), the
#: frame folder (``frame_dir``), the image (``img_path``)
SOURCE_KEYS = ('filename', 'frame_dir', 'img_path')


def video_id(source: str) -> int:
    """A stable non-negative int64 id of a source name.

    Args:
        source (str): The video path, frame folder, image path or a shard's
            ``source``.

    Returns:
        int: The first 63 bits of the source's BLAKE2b digest: the same in
        every process (unlike ``hash``), distinct sources collide with
        probability about ``n**2 / 2**64``.

    Example:
        >>> video_id('a.mp4') == video_id('a.mp4') != video_id('b.mp4')
        True
    """
    digest = hashlib.blake2b(str(source).encode(), digest_size=8).digest()
    return int.from_bytes(digest, 'little') >> 1


def source_of(results: dict,
              keys: Sequence[str] = SOURCE_KEYS) -> Optional[str]:
    """The first non-empty ``results[key]`` of ``keys``, else None."""
    for key in keys:
        value = results.get(key)
        if value is not None and str(value) != '':
            return str(value)
    return None


def pairs_per_sample(transforms: Sequence) -> Tuple[int, Any]:
    """K, the pairs one dataset index yields, and the transform that sets it.

    ``SampleFramePair(num_pairs=K)`` (and any transform with ``num_pairs``)
    draws K; ``ImageToFrames(num_frames=n)`` makes ``n // T`` pairs of one
    image, T being the packing transform's ``num_frames`` (2 by default).
    """
    from .transforms import ImageToFrames  # they import this module
    frames_per_pair = getattr(transforms[-1] if transforms else None,
                              'num_frames', 2)
    k, source = 1, None
    for t in transforms:
        n = getattr(t, 'num_pairs', None)
        if isinstance(t, ImageToFrames):
            n = t.num_frames // frames_per_pair
        if isinstance(n, int) and n > k:
            k, source = n, t
    return k, source


def check_pipeline_video_ids(owner: str, transforms: Sequence) -> None:
    """Refuse a pipeline of K > 1 pairs per index that attaches no ids.

    Args:
        owner (str): Who builds the pipeline, for the message.
        transforms (Sequence): The built transforms, in order.

    Raises:
        ValueError: K > 1 and the last transform is not a ``PackFramePairs``
            with ``video_id_keys``: the K pairs of one video would be each
            other's negatives in the contrastive loss.
    """
    from .transforms import PackFramePairs
    k, source = pairs_per_sample(transforms)
    last = transforms[-1] if len(transforms) else None
    if k == 1 or (isinstance(last, PackFramePairs) and last.video_id_keys):
        return
    raise ValueError(
        f'{owner}: the pipeline yields {k} pairs per sample '
        f'({type(source).__name__}) but its last transform, '
        f'{type(last).__name__}, attaches no video ids '
        f'({getattr(last, "video_id_keys", "no video_id_keys")!r}), so the '
        f'{k} pairs of one video would be each other\'s negatives. End the '
        "pipeline with dict(type='PackFramePairs') (video_id_keys naming "
        'the source, default: filename, frame_dir, img_path) or use '
        'num_pairs=1.')
