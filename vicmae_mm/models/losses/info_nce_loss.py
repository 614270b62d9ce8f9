# Copyright (c) vicmae_mm contributors. All rights reserved.
"""InfoNCE (NT-Xent) over the global batch, T >= 2 frames per video."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.dist import get_rank, get_world_size
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import AllGatherWithGrad, frame_dims, gather_with_grad


@MODELS.register_module()
class InfoNCELoss(BaseModule):
    """InfoNCE / NT-Xent with the other frames of a video as positives.

    The B x T local embeddings are L2-normalised and all-gathered **with
    gradient** (:func:`gather_with_grad`) into N x T global ones (N = W * B).
    Every local embedding is an anchor; its logits are the cosine
    similarities / ``temperature`` to all N * T - 1 other embeddings (itself
    removed). Its positives are the T - 1 other frames of the same video;
    every other embedding of the global batch is a negative. With T > 2 each
    positive gives a separate cross-entropy term and the other positives stay
    in the denominator (SupCon's L_out form): the loss of an anchor is the
    mean over its positives of ``-log softmax``. For T = 2 this is exactly
    SimCLR's NT-Xent over 2N embeddings.

    Distributed: anchors and positive indexes are offset by
    ``rank * B`` videos, and each process returns the mean over its *local*
    anchors. Because the gather's backward sums gradients over processes,
    DDP's gradient averaging then yields exactly the gradient of the loss a
    single process computes on the concatenated batch, and the mean of the
    per-process losses equals that loss.

    Several pairs of one video (``num_pairs=K > 1``, shard samples of one
    video in one batch): rows whose ``video_id`` is equal come from one
    video, and ``same_video`` decides what their frames are to each other's
    anchors:

    - ``'exclude'`` (default): neither positive nor negative; they leave the
      denominator like the anchor itself. Each anchor then sees its own
      pair's frames as positives and only other videos as negatives, which
      is what the paper's one pair per video gives, with the K pairs as K
      independent draws.
    - ``'positive'``: positives, SupCon style: the loss of an anchor is the
      mean of ``-log softmax`` over the K * T - 1 frames of its video.

    Without ``video_id`` every row is its own video, and the computation is
    the one above, unchanged.

    Args:
        temperature (float): Softmax temperature. Defaults to 0.1.
        same_video (str): ``'exclude'`` or ``'positive'``, see above.
            Defaults to ``'exclude'``.

    Example:
        >>> import torch
        >>> loss = InfoNCELoss(temperature=0.1)
        >>> loss(torch.randn(4, 2, 16)).shape
        torch.Size([])
    """

    SAME_VIDEO = ('exclude', 'positive')

    def __init__(self,
                 temperature: float = 0.1,
                 same_video: str = 'exclude') -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(
                f'InfoNCELoss: temperature must be > 0, got {temperature}')
        if same_video not in self.SAME_VIDEO:
            raise ValueError(f'InfoNCELoss: same_video must be one of '
                             f'{self.SAME_VIDEO}, got {same_video!r}')
        self.temperature = temperature
        self.same_video = same_video

    def forward(self,
                z: torch.Tensor,
                p: Optional[torch.Tensor] = None,
                video_id: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            z (torch.Tensor): Projections, (B, T, D), T >= 2.
            p (torch.Tensor, optional): Unused (predictor outputs).
            video_id (torch.Tensor, optional): Video id of each row, (B, )
                int64; equal ids are pairs of one video. None: every row
                is its own video.

        Returns:
            torch.Tensor: Scalar loss, mean over the local B * T anchors.
        """
        B, T, D = frame_dims(z, 'InfoNCELoss')
        # fp32 even under bf16 autocast: logits up to 1 / temperature would
        # otherwise carry errors of a few hundredths
        with torch.autocast(device_type=z.device.type, enabled=False):
            z = F.normalize(
                z.to(torch.promote_types(z.dtype, torch.float32)), dim=-1)
            z_all = gather_with_grad(z)  # (N, T, D), local rows at rank * B
            anchors = z.reshape(B * T, D)
            logits = anchors @ z_all.reshape(-1, D).t() / self.temperature
        # (B*T, N*T); column c is frame c % T of video c // T
        cols = torch.arange(logits.shape[1], device=z.device)
        video = torch.arange(B, device=z.device) + get_rank() * B
        self_idx = (video[:, None] * T +
                    torch.arange(T, device=z.device)).reshape(-1)  # (B*T,)
        is_self = cols[None] == self_idx[:, None]
        is_pos = (cols[None] // T == self_idx[:, None] // T) & ~is_self
        hidden, num_pos = is_self, T - 1  # every row its own video
        if video_id is not None:
            if video_id.shape != (B, ):
                raise ValueError(
                    f'InfoNCELoss: video_id must be ({B}, ), one id per row '
                    f'of z, got {tuple(video_id.shape)}')
            video_id = video_id.to(z.device)
            # z's gather above has already compared the batch sizes
            ids_all = (AllGatherWithGrad.apply(video_id)
                       if get_world_size() > 1 else video_id)  # (N, )
            same = (video_id.repeat_interleave(T)[:, None] ==
                    ids_all.repeat_interleave(T)[None])  # (B*T, N*T)
            if self.same_video == 'positive':
                is_pos = same & ~is_self
            else:  # the other pairs of the video leave the denominator
                hidden = same & ~is_pos
            num_pos = is_pos.sum(1)
        log_prob = logits.masked_fill(hidden, float('-inf')).log_softmax(1)
        pos_log_prob = log_prob.masked_fill(~is_pos, 0.).sum(1) / num_pos
        return -pos_log_prob.mean()
