# Copyright (c) vicmae_mm contributors. All rights reserved.
"""Pairs of one video are never each other's negatives (``num_pairs > 1``).

- InfoNCE on a hand-made batch of 2 videos x 2 pairs against the formula
  written out here, for ``same_video='exclude'`` and ``'positive'``;
- no ids: bit for bit the loss and gradient of the formula before video ids;
- SimSiam and VICReg: ids change nothing;
- 2 gloo processes, K = 4, one video split across the ranks and within a
  rank: the mean of the per-process losses and the DDP-averaged gradient
  equal one process on the concatenated batch;
- the shard route and a ConcatDataset of videos and images give one id to one
  video's pairs and distinct ids to distinct sources.
"""
import math
import os.path as osp

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from mmpretrain.registry import DATASETS, MODELS
from rank_checks import assert_ranks_match_one_process, run_ranks

from vicmae_mm.datasets.video_ids import video_id
from vicmae_mm.models.losses import InfoNCELoss

TAU = 0.1


def _z(b=4, t=2, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, t, d, generator=g, dtype=torch.float64)


def _direct(z, ids, same_video):
    """The loss written out anchor by anchor (loops, no masks)."""
    e = F.normalize(z, dim=-1)
    B, T = e.shape[:2]
    total = 0.
    for b in range(B):
        for t in range(T):
            def s(c, u):
                return float(e[b, t] @ e[c, u]) / TAU
            others = [(c, u) for c in range(B) for u in range(T)
                      if (c, u) != (b, t)]
            if same_video == 'exclude':
                pos = [(b, u) for u in range(T) if u != t]
                denom = [(c, u) for c, u in others
                         if c == b or ids[c] != ids[b]]
            else:
                pos = [(c, u) for c, u in others if ids[c] == ids[b]]
                denom = others
            log_z = math.log(sum(math.exp(s(c, u)) for c, u in denom))
            total += sum(log_z - s(c, u) for c, u in pos) / len(pos)
    return total / (B * T)


@pytest.mark.parametrize('same_video', ['exclude', 'positive'])
def test_two_videos_two_pairs_match_the_direct_formula(same_video):
    z = _z()
    ids = [11, 11, 22, 22]  # rows 0, 1: video 11; rows 2, 3: video 22
    loss = InfoNCELoss(TAU, same_video)(z, video_id=torch.tensor(ids))
    assert float(loss) == pytest.approx(_direct(z, ids, same_video),
                                        rel=1e-12)
    # distinct ids: both choices are the plain loss
    distinct = InfoNCELoss(TAU, same_video)(z, video_id=torch.arange(4))
    assert float(distinct) == pytest.approx(_direct(z, [0, 1, 2, 3],
                                                    same_video), rel=1e-12)
    assert abs(float(loss) - float(distinct)) > 1e-3


def _before_video_ids(z):
    """InfoNCELoss.forward as it was before video ids (the T-frame SupCon
    L_out form, every row its own video), for the bit-for-bit check."""
    B, T, D = z.shape
    z = F.normalize(
        z.to(torch.promote_types(z.dtype, torch.float32)), dim=-1)
    logits = z.reshape(B * T, D) @ z.reshape(-1, D).t() / TAU
    cols = torch.arange(logits.shape[1])
    self_idx = (torch.arange(B)[:, None] * T + torch.arange(T)).reshape(-1)
    is_self = cols[None] == self_idx[:, None]
    is_pos = (cols[None] // T == self_idx[:, None] // T) & ~is_self
    log_prob = logits.masked_fill(is_self, float('-inf')).log_softmax(1)
    return -(log_prob.masked_fill(~is_pos, 0.).sum(1) / (T - 1)).mean()


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_no_ids_is_bit_for_bit_the_loss_before(dtype):
    z = _z(b=6, t=3, d=8, seed=1).to(dtype)
    z_ref = z.clone().requires_grad_(True)
    z_new = z.clone().requires_grad_(True)
    ref = _before_video_ids(z_ref)
    new = InfoNCELoss(TAU, 'exclude')(z_new)
    ref.backward()
    new.backward()
    assert torch.equal(new, ref)
    assert torch.equal(z_new.grad, z_ref.grad)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="same_video must be one of"):
        InfoNCELoss(same_video='negative')
    with pytest.raises(ValueError, match=r'video_id must be \(4, \)'):
        InfoNCELoss()(_z(), video_id=torch.zeros(3, dtype=torch.long))


@pytest.mark.parametrize('cfg', [dict(type='SimSiamLoss'),
                                 dict(type='VICRegLoss')])
def test_simsiam_and_vicreg_ignore_the_ids(cfg):
    z, p = _z(seed=2), _z(seed=3)
    loss = MODELS.build(cfg)
    same = torch.tensor([5, 5, 5, 5])
    assert torch.equal(loss(z, p, video_id=same), loss(z, p))


def test_head_and_model_pass_the_ids_to_the_loss():
    from vicmae_mm.models.heads import FrameContrastHead
    head = FrameContrastHead(projector=dict(
        type='NonLinearNeck', in_channels=8, hid_channels=16,
        out_channels=4, num_layers=2, with_avg_pool=False,
        norm_cfg=dict(type='BN1d')))
    feats = torch.randn(2, 6, 8)  # (T, B, C)
    plain = head.loss(feats)
    distinct = head.loss(feats, video_id=torch.arange(6))
    siblings = head.loss(feats, video_id=torch.tensor([1, 1, 1, 2, 2, 2]))
    torch.testing.assert_close(plain, distinct)
    assert abs(siblings.item() - plain.item()) > 1e-4


# --- two gloo processes, K = 4 ---------------------------------------------
W, LOCAL = 2, 4
A, B_ = video_id('a.mp4'), video_id('b.mp4')  # full 63-bit ids
# 8 rows, 2 videos x 4 pairs: a is 3 rows on rank 0 and 1 on rank 1, b the
# other way round (split across the ranks and within each rank)
IDS = [A, A, A, B_, B_, B_, B_, A]
CHOICES = ('exclude', 'positive')


def _problem():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(W * LOCAL, 2, 6, generator=g, dtype=torch.float64)
    proj = torch.nn.Linear(6, 5).double()
    with torch.no_grad():
        proj.weight.copy_(torch.randn(5, 6, generator=g))
        proj.bias.copy_(torch.randn(5, generator=g))
    return x, proj


def _run(same_video, x, proj, ids):
    x = x.clone().requires_grad_(True)
    proj.zero_grad()
    loss = InfoNCELoss(TAU, same_video)(proj(x), video_id=ids)
    loss.backward()
    return loss.detach(), x.grad, proj.weight.grad.clone()


def _worker(rank):
    x, proj = _problem()
    rows = slice(rank * LOCAL, (rank + 1) * LOCAL)
    results = []
    for same_video in CHOICES:
        loss, gx, gw = _run(same_video, x[rows], proj,
                            torch.tensor(IDS[rows]))
        dist.all_reduce(loss)
        dist.all_reduce(gw)
        results.append(dict(loss=loss / W, gx=gx, gw=gw / W))  # DDP mean
    return results


@pytest.mark.slow
def test_two_processes_k4_equal_one_process(tmp_path):
    ranks = run_ranks(_worker, W, str(tmp_path))
    x, proj = _problem()
    for i, same_video in enumerate(CHOICES):
        loss, gx, gw = _run(same_video, x, proj, torch.tensor(IDS))
        plain, _, _ = _run(same_video, x, proj, None)
        assert abs(float(loss) - float(plain)) > 1e-3  # the ids matter
        assert_ranks_match_one_process([ranks[r][i] for r in range(W)],
                                       loss, gx, gw, LOCAL)


# --- ids from the data ------------------------------------------------------
AUG = [dict(type='RandomResizedCrop', scale=16, backend='pillow')]


@pytest.fixture(scope='module')
def demo_root(tmp_path_factory):
    from vicmae_mm.datasets.demo import make_demo_dataset
    root = tmp_path_factory.mktemp('demo') / 'vicmae_demo'
    make_demo_dataset(str(root), seed=0, videos_per_class=2,
                      val_videos_per_class=1, images_per_class=2,
                      val_images_per_class=1)
    return str(root)


def _ids(samples):
    return [int(s['video_id']) for s in samples]


def test_shard_pairs_of_one_video_share_an_id(demo_root, tmp_path):
    from vicmae_mm.datasets.pair_shards import write_pair_shards
    videos = [(osp.join('videos', ln.split()[0]), ln.split()[1], None)
              for ln in open(osp.join(demo_root, 'videos_train.txt'))]
    write_pair_shards(videos, demo_root, str(tmp_path),
                      sampler=dict(min_gap=4, max_gap=16, gap_unit='frame',
                                   num_pairs=3),
                      sources_per_shard=3, progress=False)
    ds = DATASETS.build(dict(
        type='FramePairShardDataset', data_root=str(tmp_path),
        pipeline=[dict(type='LoadShardFramePair'),
                  dict(type='PerFrameAugment', transforms=AUG),
                  dict(type='PackFramePairs')]))
    by_source = {}
    for i in range(len(ds)):
        (sample, ) = ds[i]  # one pair per shard sample
        by_source.setdefault(sample['data_samples'].filename,
                             set()).add(int(sample['video_id']))
    assert len(by_source) == len(videos) and len(ds) == 3 * len(videos)
    assert all(len(ids) == 1 for ids in by_source.values())
    assert len({min(ids) for ids in by_source.values()}) == len(videos)


def test_concat_of_videos_and_images_gives_distinct_ids(demo_root):
    videos = dict(
        type='FramePairVideoDataset', data_root=demo_root,
        ann_file='videos_train.txt', data_prefix=dict(video='videos'),
        pipeline=[dict(type='mmaction.DecordInit'),
                  dict(type='SampleFramePair', min_gap=2, max_gap=6,
                       num_pairs=2),
                  dict(type='SortedDecordDecode'),
                  dict(type='PerFrameAugment', transforms=AUG),
                  dict(type='PackFramePairs')])
    images = dict(
        type='ImagePairDataset', data_root=demo_root,
        data_prefix='images/train', with_label=False,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='ImageToFrames', num_frames=4),
                  dict(type='PerFrameAugment', transforms=AUG),
                  dict(type='PackFramePairs')])
    ds = DATASETS.build(dict(type='ConcatDataset',
                             datasets=[videos, images]))
    n_videos = len(ds.datasets[0])
    per_index = [_ids(ds[i]) for i in range(len(ds))]
    assert all(len(ids) == 2 and ids[0] == ids[1] for ids in per_index)
    firsts = [ids[0] for ids in per_index]
    assert len(set(firsts)) == len(ds)  # video i and image i differ
    assert firsts[0] != firsts[n_videos]
    assert ds[0][0]['video_id'] == ds[0][1]['video_id']


def test_a_pipeline_of_k_pairs_without_ids_is_refused(demo_root):
    cfg = dict(
        type='FramePairVideoDataset', data_root=demo_root,
        ann_file='videos_train.txt', data_prefix=dict(video='videos'),
        pipeline=[dict(type='mmaction.DecordInit'),
                  dict(type='SampleFramePair', num_pairs=4),
                  dict(type='SortedDecordDecode'),
                  dict(type='PackFramePairs', video_id_keys=())])
    with pytest.raises(ValueError, match=r'FramePairVideoDataset: the '
                       r'pipeline yields 4 pairs per sample '
                       r'\(SampleFramePair\) but its last transform, '
                       r'PackFramePairs, attaches no video ids'):
        DATASETS.build(cfg)
    cfg['pipeline'][-1] = dict(type='mmpretrain.PackInputs')
    with pytest.raises(ValueError, match='last transform, PackInputs'):
        DATASETS.build(cfg)
    cfg['pipeline'][1]['num_pairs'] = 1  # one pair: nothing to confuse
    DATASETS.build(cfg)


def test_configs_exclude_siblings_by_default():
    """README: the recipes leave the other pairs of a video out."""
    from mmengine.config import Config
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    for name in ('vicmae_vit-tiny-p8_1xb32-coslr-40e_demo.py',
                 'vicmae_vit-base-p16_8xb512-amp-coslr-800e_k400-videos.py'):
        cfg = Config.fromfile(osp.join(repo, 'configs', name))
        assert cfg.model.data_preprocessor.type == 'FramePairDataPreprocessor'
        loss = MODELS.build(cfg.model.contrast_head.loss)
        assert isinstance(loss, InfoNCELoss) and loss.same_video == 'exclude'


def test_a_loss_without_video_id_still_works_with_a_warning():
    from mmengine.logging import MMLogger
    from vicmae_mm.models.heads import FrameContrastHead

    @MODELS.register_module(force=True)
    class LegacyContrastLoss(torch.nn.Module):

        def forward(self, z, p=None):
            return z.pow(2).mean()

    MMLogger.get_instance('vicmae_test_legacy')  # a current logger
    head = FrameContrastHead(
        projector=dict(type='NonLinearNeck', in_channels=8, hid_channels=16,
                       out_channels=4, num_layers=2, with_avg_pool=False,
                       norm_cfg=dict(type='BN1d')),
        loss=dict(type='LegacyContrastLoss'))
    assert not head.loss_takes_ids
    feats = torch.randn(2, 6, 8)
    torch.testing.assert_close(
        head.loss(feats, video_id=torch.zeros(6, dtype=torch.long)),
        head.loss(feats))
