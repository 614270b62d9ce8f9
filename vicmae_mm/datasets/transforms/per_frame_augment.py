# Copyright (c) vicmae_mm contributors. All rights reserved.
from typing import List, Optional, Sequence

from mmcv.transforms import BaseTransform, Compose
from mmpretrain.registry import TRANSFORMS


def _compose(transforms: Sequence) -> Compose:
    """Build a Compose from configs through mmpretrain's registry."""
    return Compose([
        TRANSFORMS.build(t) if isinstance(t, dict) else t for t in transforms
    ])


@TRANSFORMS.register_module()
class PerFrameAugment(BaseTransform):
    """Augment every frame independently (own crop, flip, colour draw).

    mmaction2's spatial transforms apply one crop/flip to all frames of a
    clip; ViC-MAE needs an independent draw per frame. Each frame is run
    through ``transforms`` (mmpretrain image transforms working on
    ``results['img']``) as if it were a separate image, then through
    ``view_transforms[i % len(view_transforms)]`` when given (e.g. blur on
    view 0 and solarisation on view 1, as in the authors' code).

    Frames are expected in RGB order. Note that mmpretrain's photometric
    transforms assume BGR where it matters: use
    ``RandomGrayscale(channel_weights=(0.2989, 0.587, 0.114))`` and, for hue,
    ``NumpyToPIL(to_rgb=False)`` -> ``torchvision/ColorJitter`` ->
    ``PILToNumpy(to_bgr=False)`` (mmcv's hue jitter overflows on numpy 2).

    Required Keys:

    - imgs (list of HWC uint8 arrays; the ``frames_key``)

    Added Keys:

    - img (list of augmented HWC uint8 arrays, same length)
    - img_shape (shape of the first augmented frame)

    Args:
        transforms (list[dict]): Pipeline run on each frame. An empty list
            keeps the frames as they are. Defaults to ().
        view_transforms (list[list[dict]], optional): Extra pipelines per
            view position, cycled over frames. Defaults to None.
        frames_key (str): Key holding the input frames. Defaults to 'imgs'.
        out_key (str): Key for the output frames. Defaults to 'img'.
    """

    def __init__(self,
                 transforms: Sequence[dict] = (),
                 view_transforms: Optional[List[List[dict]]] = None,
                 frames_key: str = 'imgs',
                 out_key: str = 'img') -> None:
        self.transforms = list(transforms)
        self.view_transforms = view_transforms
        self.frames_key = frames_key
        self.out_key = out_key
        self.pipeline = _compose(self.transforms)
        self.view_pipelines = [_compose(v) for v in view_transforms or []]

    def transform(self, results: dict) -> dict:
        """Run the per-frame pipelines."""
        frames = results[self.frames_key]
        out = []
        for i, frame in enumerate(frames):
            if frame is None:
                path = results.get('filename', results.get('frame_dir', '?'))
                raise ValueError(f'frame {i} of {path} could not be decoded')
            view = dict(img=frame, img_shape=frame.shape[:2],
                        ori_shape=frame.shape[:2])
            view = self.pipeline(view)
            if self.view_pipelines:
                view = self.view_pipelines[i % len(self.view_pipelines)](view)
            out.append(view['img'])
        results[self.out_key] = out
        results['img_shape'] = out[0].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(transforms={self.transforms}, '
                f'view_transforms={self.view_transforms}, '
                f'frames_key={self.frames_key!r}, out_key={self.out_key!r})')
