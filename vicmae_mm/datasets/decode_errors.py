# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Tell "this file does not decode" from a bug, by exception type and origin.

The robust datasets skip a bad file and draw another sample, but a
``KeyError`` from a transform or a config bug must stop the run at once
instead of being retried ``max_refetch`` times as "corrupt". What each
backend raises on a truncated, empty or random-bytes file was measured
(decord 0.6.0, PyAV 18, opencv 5.1, Pillow, mmcv 2.0.1, mmaction2 1.1.0):

- decord: ``RuntimeError('Error reading ...')`` when opening,
  ``AssertionError`` for 0 frames, ``DECORDError`` from ``get_batch``;
- PyAV (``mmaction.PyAVInit``): ``av.error.InvalidDataError``;
- OpenCV (``mmaction.OpenCVInit``): ``ValueError('__len__() should return
  >= 0')`` raised in mmaction's loading module;
- images (``LoadImageFromFile``, ``RawFrameDecode``): ``AssertionError
  ('failed to load image ...')`` or ``cv2.error`` with cv2, ``OSError`` /
  ``PIL.UnidentifiedImageError`` with Pillow. A truncated JPEG decoded by
  cv2 in ``LoadImageFromFile`` fails the same way; a missing turbojpeg is
  an ``AttributeError`` (a setup problem, not a bad file).
"""
from typing import List, Sequence, Tuple

#: Modules whose ValueError / RuntimeError / AssertionError / IndexError
#: means "this file does not decode" (measured: decord raises RuntimeError
#: "Error reading ..." for a truncated, empty or random-bytes mp4 and
#: AssertionError for 0 frames; mmaction's OpenCVInit a ValueError; mmcv's
#: LoadImageFromFile an AssertionError "failed to load image").
DECODER_MODULES = ('decord', 'av', 'PIL', 'cv2', 'mmcv.image',
                   'mmcv.transforms.loading',
                   'mmaction.datasets.transforms.loading',
                   'mmpretrain.datasets.transforms.loading',
                   'vicmae_mm.datasets.transforms.sample_frame_pair',
                   'vicmae_mm.datasets.transforms.sorted_decord_decode')


class CorruptSampleError(ValueError):
    """Raise it from a transform to mark the sample's file as undecodable.

    A ``ValueError`` (bad data), recognised by :func:`is_decode_error`
    wherever it is raised.
    """


def _decode_error_types() -> Tuple[type, ...]:
    types: List[type] = [CorruptSampleError, OSError, EOFError]
    try:
        import cv2
        types.append(cv2.error)
    except ImportError:  # pragma: no cover
        pass
    try:
        from PIL import Image
        types.append(Image.DecompressionBombError)
    except ImportError:  # pragma: no cover
        pass
    try:
        from decord._ffi.base import DECORDError
        types.append(DECORDError)
    except ImportError:  # pragma: no cover
        pass
    try:
        import av
        types.append(av.error.FFmpegError)
    except (ImportError, AttributeError):  # pragma: no cover
        pass
    return tuple(types)


_DECODE_ERROR_TYPES = _decode_error_types()


def raised_in(err: BaseException) -> str:
    """Module name of the frame that raised ``err`` ('' if unknown)."""
    tb = err.__traceback__
    if tb is None:
        return ''
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_globals.get('__name__', '') or ''


def is_decode_error(err: BaseException,
                    decoder_modules: Sequence[str] = DECODER_MODULES) -> bool:
    """Whether ``err`` means "the file is bad" rather than a bug.

    True for I/O and decoder errors (``OSError`` with PIL's
    ``UnidentifiedImageError``, ``EOFError``, ``cv2.error``, PIL's
    ``DecompressionBombError``, decord's ``DECORDError``, PyAV's
    ``FFmpegError``, :class:`CorruptSampleError`) and for ``ValueError``,
    ``RuntimeError``, ``AssertionError`` and ``IndexError`` raised inside one
    of ``decoder_modules``. Everything else (``KeyError``, ``TypeError``,
    ``AttributeError``, ``NotImplementedError``, errors in augmentations)
    is a programming or config error.

    Args:
        err (BaseException): The exception.
        decoder_modules (Sequence[str]): Module names (or prefixes) of the
            decoders. Defaults to ``DECODER_MODULES``.

    Returns:
        bool: True for a bad file.

    Example:
        >>> is_decode_error(OSError('image file is truncated'))
        True
        >>> is_decode_error(KeyError('filename'))
        False
    """
    if isinstance(err, _DECODE_ERROR_TYPES):
        return True
    if isinstance(err, (NotImplementedError, RecursionError)) or \
            not isinstance(err, (ValueError, RuntimeError, AssertionError,
                                 IndexError)):
        return False
    module = raised_in(err)
    return any(module == m or module.startswith(m + '.')
               for m in decoder_modules)
