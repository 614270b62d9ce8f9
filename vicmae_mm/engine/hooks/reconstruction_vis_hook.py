# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Pictures of what ViC-MAE sees: original, masked input, reconstruction."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ...utils.checks import check_at_least

# Figure size of :func:`render_reconstruction` is (3 * CELL_INCH) x
# (TITLE_INCH + T * CELL_INCH) inches at ``dpi`` (Agg, no tight bbox).
CELL_INCH, TITLE_INCH = 2.4, 0.5


def _to_uint8(img: torch.Tensor, mean: torch.Tensor,
              std: torch.Tensor) -> np.ndarray:
    """(C, H, W) normalised -> (H, W, C) uint8 pixels."""
    img = img.float() * std.reshape(-1, 1, 1) + mean.reshape(-1, 1, 1)
    return img.clamp(0, 255).round().byte().permute(1, 2, 0).cpu().numpy()


@torch.no_grad()
def reconstruct_frames(model: torch.nn.Module,
                       frames: Sequence[torch.Tensor]) -> List[Dict]:
    """Masked forward of each frame; pixels of input, masked input, output.

    The model must be a ViC-MAE style model: ``backbone.forward_masked``,
    ``recon_head`` (decoder + ``patchify``/``unpatchify``/``loss``) and a
    ``data_preprocessor`` with ``mean``/``std``. Each frame gets its own
    random mask (seed torch beforehand for a fixed picture).

    With ``norm_pix`` the decoder predicts *normalised* patches; they are
    mapped back with the mean and variance of the same patch of the
    original (as in MAE's visualisation), so the colours of the masked
    patches come partly from the original: the picture shows the predicted
    structure, not predicted absolute colours.

    Args:
        model (torch.nn.Module): The (unwrapped) ViC-MAE model.
        frames (Sequence[torch.Tensor]): T frames (1, C, H, W), normalised
            by the data preprocessor.

    Returns:
        list[dict]: Per frame ``original``, ``masked``, ``recon`` (H, W, 3)
        uint8 (reconstruction = predicted masked patches + visible patches
        of the input) and ``loss`` (float, the masked norm-pix MSE).
    """
    head = model.recon_head
    prep = model.data_preprocessor
    mean = getattr(prep, 'mean', torch.zeros(3)).to(frames[0].device)
    std = getattr(prep, 'std', torch.ones(3)).to(frames[0].device)
    was_training = model.training
    model.eval()
    rows = []
    try:
        for frame in frames:
            frame = frame[:1].float()
            latent, mask, ids_restore = model.backbone.forward_masked(frame)
            pred = head(latent, ids_restore).float()  # (1, L, p*p*C)
            loss = float(head.loss(pred, frame, mask))
            target = head.patchify(frame)  # (1, L, p*p*C), normalised image
            if head.norm_pix:  # undo the per-patch normalisation
                pred = pred * (target.var(-1, keepdim=True) + 1e-6)**.5 + \
                    target.mean(-1, keepdim=True)
            keep = mask[..., None].float()  # (1, L, 1): 1 = removed
            recon = head.unpatchify(pred * keep + target * (1 - keep))
            # removed patches shown as the normalised value of grey 0.5
            grey = ((127.5 - mean) / std).reshape(1, -1, 1, 1)
            grey = head.patchify(grey.expand_as(frame))
            masked = head.unpatchify(target * (1 - keep) + grey * keep)
            rows.append(
                dict(
                    original=_to_uint8(frame[0], mean, std),
                    masked=_to_uint8(masked[0], mean, std),
                    recon=_to_uint8(recon[0], mean, std),
                    loss=loss))
    finally:
        model.train(was_training)
    return rows


def render_reconstruction(rows: Sequence[Dict],
                          frame_inds: Optional[Sequence[int]] = None,
                          title: str = '',
                          dpi: int = 100) -> np.ndarray:
    """Compose the picture: one row per frame, 3 columns.

    Args:
        rows (Sequence[dict]): Output of :func:`reconstruct_frames`.
        frame_inds (Sequence[int], optional): Frame index of each row.
            Defaults to None (0, 1, ...).
        title (str): Prefix of the figure title. Defaults to ''.
        dpi (int): Resolution. Defaults to 100.

    Returns:
        np.ndarray: RGB image (H, W, 3) uint8 with
        H = dpi * (0.5 + 2.4 * T), W = dpi * 7.2.
    """
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if frame_inds is None:
        frame_inds = list(range(len(rows)))
    frame_inds = [int(i) for i in frame_inds]
    loss = float(np.mean([r['loss'] for r in rows]))
    fig = Figure(figsize=(3 * CELL_INCH, TITLE_INCH + CELL_INCH * len(rows)),
                 dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    top = 1 - TITLE_INCH / (TITLE_INCH + CELL_INCH * len(rows))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=top,
                        wspace=0.04, hspace=0.16)
    fig.suptitle(f'{title}frames {tuple(frame_inds)}  '
                 f'recon loss {loss:.4f}', fontsize=10)
    names = ('original', 'masked', 'recon')
    labels = ('original', 'masked input', 'reconstruction')
    for r, row in enumerate(rows):
        for c, (key, label) in enumerate(zip(names, labels)):
            ax = fig.add_subplot(len(rows), 3, r * 3 + c + 1)
            ax.imshow(row[key], interpolation='nearest')
            ax.set_xticks([])
            ax.set_yticks([])
            text = f'frame {frame_inds[r]}: {label}'
            if key == 'recon':
                text += f' ({row["loss"]:.3f})'
            ax.set_title(text, fontsize=7)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


@HOOKS.register_module()
class ReconstructionVisHook(Hook):
    """Draw the reconstruction of a training pair every ``interval`` iters.

    Takes the first sample of the current training batch, runs the masked
    forward of each of its frames in eval mode without gradients (the torch
    RNG state is restored, so training is unaffected) and passes the picture
    of :func:`render_reconstruction` to ``runner.visualizer.add_image``: it
    lands in ``vis_data/vis_image/`` with ``LocalVisBackend`` and in
    TensorBoard with ``TensorboardVisBackend``.

    Args:
        interval (int): Draw every ``interval`` training iterations.
            Defaults to 1000.
        name (str): Image name in the visualizer. Defaults to
            'reconstruction'.
        dpi (int): Resolution of the picture. Defaults to 100.

    Example:
        >>> custom_hooks = [dict(type='ReconstructionVisHook', interval=500)]
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 1000,
                 name: str = 'reconstruction',
                 dpi: int = 100) -> None:
        self.interval = int(check_at_least('ReconstructionVisHook',
                                           'interval', interval, 1))
        self.name = name
        self.dpi = int(dpi)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Draw the picture when the iteration count is a multiple."""
        if data_batch is None or not self.every_n_train_iters(
                runner, self.interval) or not is_main_process():
            return
        model = get_ori_model(runner.model)
        device = [torch.cuda.current_device()
                  ] if torch.cuda.is_available() else []
        # only the first sample is drawn: preprocess just that one
        first = {
            key: [v[:1] for v in value] if key == 'inputs'
            and isinstance(value, list) else value[:1]
            for key, value in data_batch.items()
        }
        with torch.random.fork_rng(devices=device):
            data = model.data_preprocessor(first, False)
            inputs = data['inputs']
            frames = ([f[:1] for f in inputs] if isinstance(inputs, list)
                      else list(inputs[:1].unbind(1)))
            rows = reconstruct_frames(model, frames)
        samples = data.get('data_samples') or []
        inds = samples[0].metainfo.get('frame_inds') if samples else None
        if inds is None or len(inds) != len(rows):
            inds = None
        image = render_reconstruction(
            rows, inds, title=f'iter {runner.iter + 1}  ', dpi=self.dpi)
        runner.visualizer.add_image(self.name, image, step=runner.iter + 1)
