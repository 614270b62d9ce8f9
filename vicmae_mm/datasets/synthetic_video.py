# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Synthetic test videos with a chosen codec, GOP and B-frames (PyAV).

Not registered; used by the decode tests, ``tools/analysis/decode_check.py``
and ``tools/analysis/benchmark_loader.py`` (no media files are committed).
Every frame differs from its neighbours (moving sine textures, a moving
block), so a frame taken from the wrong position shows a large error.
"""
from typing import Dict, Optional

import numpy as np

#: name -> (codec, container extension, B-frames, extra encoder options)
CODECS: Dict[str, tuple] = {
    'h264': ('libx264', 'mp4', 3, {}),
    'h264-opengop': ('libx264', 'mkv', 3, {
        'open-gop': '1'
    }),
    'h264-ts': ('libx264', 'ts', 3, {}),
    'hevc': ('libx265', 'mp4', 3, {}),
    'mpeg2': ('mpeg2video', 'mpg', 2, {}),
    'mpeg2-mp4': ('mpeg2video', 'mp4', 2, {}),
    'mpeg2-mkv': ('mpeg2video', 'mkv', 2, {}),
    'mpeg4-avi': ('mpeg4', 'avi', 2, {}),
    # PyAV's libvpx clashes with OpenCV's copy once cv2 is imported (as it
    # is by mmcv): written through cv2's FFmpeg (its own keyframe interval)
    'vp9': ('cv2:VP90', 'webm', 0, {}),
}


def synthetic_frame(i: int,
                    width: int,
                    height: int,
                    fps: float = 25.) -> np.ndarray:
    """Frame ``i`` (H, W, 3) uint8 RGB of the synthetic clip."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    t = i / fps
    r = 128 + 100 * np.sin(x / 17. + 3 * t) * np.cos(y / 23. - 2 * t)
    g = 128 + 100 * np.sin((x + y) / 31. - 4 * t)
    b = (x * 3 + y * 2 + i * 7) % 256
    img = np.stack([r, g, b], -1)
    cx = int(i * 9) % width
    cy = int(height / 2 + height / 3 * np.sin(t))
    img[max(0, cy - height // 8):cy + height // 8,
        max(0, cx - width // 10):cx + width // 10] = (250, 30, 30)
    return np.clip(img, 0, 255).astype(np.uint8)


def _write_with_cv2(path: str, fourcc: str, num_frames: int, width: int,
                    height: int, fps: int) -> str:
    import cv2
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f'OpenCV cannot write {fourcc} to {path}')
    for i in range(num_frames):
        writer.write(synthetic_frame(i, width, height, fps)[..., ::-1].copy())
    writer.release()
    return path


def write_synthetic_video(path: str,
                          codec: str = 'h264',
                          num_frames: int = 60,
                          width: int = 128,
                          height: int = 96,
                          gop: int = 25,
                          fps: int = 25,
                          bframes: Optional[int] = None,
                          crf: int = 23) -> str:
    """Write a synthetic clip; return its path.

    Args:
        path (str): Output file; its extension picks the container.
        codec (str): A key of :data:`CODECS` (FFmpeg encoder, B-frames and
            options), an FFmpeg encoder name or ``'cv2:FOURCC'`` (written
            with OpenCV, whose keyframe interval applies). Defaults to
            'h264'.
        num_frames (int): Frames. Defaults to 60.
        width (int): Width (even). Defaults to 128.
        height (int): Height (even). Defaults to 96.
        gop (int): Keyframe interval in frames (x264/x265: also the
            minimum, and no scene-cut keyframes). Defaults to 25.
        fps (int): Frame rate. Defaults to 25.
        bframes (int, optional): Consecutive B-frames; None takes the
            codec's default in :data:`CODECS`. Defaults to None.
        crf (int): Quality of x264/x265. Defaults to 23.

    Returns:
        str: ``path``.
    """
    import av
    encoder, _, default_b, extra = CODECS.get(codec, (codec, '', 2, {}))
    bframes = default_b if bframes is None else bframes
    options = dict(extra)
    if encoder == 'libx264':
        params = f'keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}'
        if options.pop('open-gop', None):
            params += ':open-gop=1'
        options.update({
            'x264-params': params,
            'preset': 'veryfast',
            'crf': str(crf)
        })
    elif encoder == 'libx265':
        options.update({
            'x265-params': f'keyint={gop}:min-keyint={gop}:'
            f'scenecut=0:bframes={bframes}:log-level=none',
            'preset': 'ultrafast',
            'crf': str(crf)
        })
    elif encoder.startswith('cv2:'):
        return _write_with_cv2(path, encoder[4:], num_frames, width, height,
                               fps)
    with av.open(path, 'w') as container:
        stream = container.add_stream(encoder, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = 'yuv420p'
        stream.codec_context.gop_size = gop
        stream.codec_context.max_b_frames = bframes
        if encoder in ('mpeg2video', 'mpeg4'):
            stream.bit_rate = width * height * fps * 2
        stream.options = options
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(
                synthetic_frame(i, width, height, fps), format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path
