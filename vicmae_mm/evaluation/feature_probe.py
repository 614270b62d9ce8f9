# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Quick probes of frozen features: k-NN and logistic regression top-1.

Used by ``tools/analysis/linear_probe.py`` and importable by other tools to
watch representation quality during pretraining.
"""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@torch.no_grad()
def extract_features(model: nn.Module, dataloader) -> Tuple[Tensor, Tensor]:
    """Pooled features and labels of a whole dataloader.

    ``model`` needs ``data_preprocessor`` and ``extract_feat`` (mmpretrain
    models, ``ViCMAE``). Token features (B, L, C) are mean-pooled over the
    patch tokens, feature maps (B, C, H, W) over space; video samples with
    several frames (B, V, ...) are averaged over V.

    Args:
        model (nn.Module): The model, used in eval mode.
        dataloader (Iterable): Yields mmengine data batches.

    Returns:
        tuple[Tensor, Tensor]: Features (N, C) and labels (N, ).
    """
    model.eval()
    feats, labels = [], []
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        x = data['inputs']
        views = 1
        if x.dim() == 5:  # (B, V, C, H, W) video frames -> (B*V, C, H, W)
            views = x.shape[1]
            x = x.flatten(0, 1)
        f = model.extract_feat(x)
        f = f[-1] if isinstance(f, (tuple, list)) else f
        if f.dim() == 3:  # (B, 1 + L, C): mean of the patch tokens
            f = f[:, 1:].mean(1)
        elif f.dim() == 4:  # (B, C, H, W)
            f = f.mean((2, 3))
        # the probes run on the CPU (labels are CPU tensors)
        feats.append(f.reshape(-1, views, f.shape[-1]).mean(1).float().cpu())
        for s in data['data_samples']:
            lab = s.gt_label if 'gt_label' in s else s.gt_labels.item
            labels.append(int(lab.reshape(-1)[0]))
    return torch.cat(feats), torch.tensor(labels)


def knn_top1(train_x: Tensor, train_y: Tensor, test_x: Tensor,
             test_y: Tensor, k: int = 20, temperature: float = 0.07) -> float:
    """Weighted k-NN accuracy (cosine similarity, DINO-style ``exp(s/T)``).

    Returns:
        float: Top-1 accuracy in percent.
    """
    k = min(k, len(train_x))
    sim = F.normalize(test_x, dim=1) @ F.normalize(train_x, dim=1).T
    top, idx = sim.topk(k, dim=1)  # (N_test, k)
    votes = torch.zeros(len(test_x), int(train_y.max()) + 1)
    votes.scatter_add_(1, train_y[idx], (top / temperature).exp())
    return (votes.argmax(1) == test_y).float().mean().item() * 100


def logreg_top1(train_x: Tensor,
                train_y: Tensor,
                test_x: Tensor,
                test_y: Tensor,
                C: float = 1.0,
                max_iter: int = 1000) -> float:
    """Multinomial logistic regression on standardised features.

    scikit-learn's ``LogisticRegression`` (L2) after a ``StandardScaler``
    fitted on the train features: the probe users know. Solver
    ``newton-cg``, not the default ``lbfgs``: scipy 1.17's L-BFGS-B looped
    forever on a 40 x 32 probe inside a spawned learning-check worker (both
    reach the same optimum of this convex loss).

    Args:
        train_x (Tensor): (N, D) features; ``train_y`` (N, ) labels.
        test_x (Tensor): (M, D) features; ``test_y`` (M, ) labels.
        C (float): Inverse L2 strength. Defaults to 1.0.
        max_iter (int): Newton iterations. Defaults to 1000.

    Returns:
        float: Top-1 accuracy in percent.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    clf = make_pipeline(StandardScaler(),
                        LogisticRegression(C=C, max_iter=max_iter,
                                           solver='newton-cg'))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ConvergenceWarning)
        clf.fit(train_x.double().numpy(), train_y.numpy())
    pred = clf.predict(test_x.double().numpy())
    return float((pred == test_y.numpy()).mean() * 100)


def probe_features(train: Tuple[Tensor, Tensor], test: Tuple[Tensor, Tensor],
                   k: int = 20) -> Dict[str, float]:
    """k-NN and logistic-regression top-1 (percent) of frozen features."""
    return dict(knn_top1=knn_top1(*train, *test, k=k),
                logreg_top1=logreg_top1(*train, *test),
                num_train=len(train[0]), num_test=len(test[0]))


#: RGB mean/std of the data preprocessors (cv2 images are converted).
IMAGE_MEAN = [123.675, 116.28, 103.53]
IMAGE_STD = [58.395, 57.12, 57.375]


def probe_image_folder(model: nn.Module,
                       root: str,
                       img_size: int,
                       batch_size: int = 64,
                       k: int = 20) -> Dict[str, float]:
    """Probe ``model``'s frozen features on ``<root>/{train,val}/<class>/``.

    The images are resized (short edge) and centre-cropped to ``img_size``;
    the model's ``data_preprocessor`` is swapped for an image one for the
    duration (BGR files -> RGB, the ImageNet mean/std) and restored after.

    Args:
        model (nn.Module): Has ``extract_feat`` and parameters or buffers.
        root (str): Folder with ``train/`` and ``val/`` class folders.
        img_size (int): Probe resolution.
        batch_size (int): Feature-extraction batch. Defaults to 64.
        k (int): Neighbours of the k-NN probe (capped at the train size).
            Defaults to 20.

    Returns:
        dict: ``knn_top1`` and ``logreg_top1`` in percent.
    """
    from mmengine.runner import Runner
    from mmpretrain.registry import MODELS
    prep = getattr(model, 'data_preprocessor', None)
    device = next(iter(model.state_dict().values())).device
    model.data_preprocessor = MODELS.build(
        dict(type='ClsDataPreprocessor', mean=IMAGE_MEAN, std=IMAGE_STD,
             to_rgb=True)).to(device)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=img_size, edge='short'),
        dict(type='CenterCrop', crop_size=img_size),
        dict(type='PackInputs')
    ]
    feats = {}
    try:
        for split in ('train', 'val'):
            loader = Runner.build_dataloader(
                dict(
                    batch_size=batch_size,
                    num_workers=0,
                    sampler=dict(type='DefaultSampler', shuffle=False),
                    collate_fn=dict(type='default_collate'),
                    dataset=dict(
                        type='CustomDataset',
                        data_root=root,
                        data_prefix=split,
                        pipeline=pipeline)))
            feats[split] = extract_features(model, loader)
    finally:
        model.data_preprocessor = prep
    return probe_features(
        feats['train'], feats['val'], k=min(k, len(feats['train'][0])))


class PixelFeatures(nn.Module):
    """Encoder-free reference features for the probes.

    Args:
        kind (str): ``'pixels'``: the normalised pixels, flattened;
            ``'edges'``: absolute horizontal and vertical differences of the
            channel mean (colour-invariant up to contrast), flattened.

    Example:
        >>> import torch
        >>> PixelFeatures('edges').extract_feat(torch.ones(2, 3, 4, 4))[0].shape
        torch.Size([2, 24])
    """
    KINDS = ('pixels', 'edges')

    def __init__(self, kind: str) -> None:
        super().__init__()
        if kind not in self.KINDS:
            raise ValueError(f'PixelFeatures: kind must be one of '
                             f'{self.KINDS}, got {kind!r}')
        self.kind = kind
        self.register_buffer('anchor', torch.zeros(1))  # carries the device

    def extract_feat(self, x: Tensor) -> Tuple[Tensor]:
        """Features (B, D) of images (B, C, H, W)."""
        if self.kind == 'pixels':
            return (x.flatten(1), )
        g = x.mean(1)
        return (torch.cat([(g[:, :, 1:] - g[:, :, :-1]).abs().flatten(1),
                           (g[:, 1:] - g[:, :-1]).abs().flatten(1)], 1), )
