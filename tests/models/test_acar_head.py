"""ACARRoIHead / HR2O: built through the registry, shapes, permutation equivariance, one and zero
actors, clip isolation, one training step and the optional long-term bank attention."""

from __future__ import annotations

import itertools
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

import mmaction_plugins.models  # noqa: F401  (registers the head)
from mmaction_plugins.models.roi_heads import HR2O, ACARRoIHead, LongTermBankAttention
from tests.conftest import REPO

C, K, T, FEAT = 16, 6, 2, 16  # channels, classes, frames, feature map side (stride 16: 256 px)
IMG = FEAT * 16
D, E, A = 8, 8, 6  # reduced, relation (HR2O) and actor-branch channels

TINY = osp.join(REPO, 'configs', 'baseline', 'slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _cfg(*, bbox_in: int | None = None, **kw) -> dict:
    hr2o = {**dict(depth=2, num_heads=2, dropout=0.0), **kw.pop('hr2o', {})}
    cfg = dict(
        type='ACARRoIHead',
        bbox_roi_extractor=dict(type='SingleRoIExtractor3D', roi_layer_type='RoIAlign',
                                output_size=4, with_temporal_pool=True),
        bbox_head=dict(type='BBoxHeadAVA', background_class=True, multilabel=True,
                       num_classes=K, topk=(), dropout_ratio=0.0,
                       in_channels=bbox_in or (kw.get('actor_channels', A) or D) + E),
        in_channels=C, reduce_channels=D, hidden_channels=E, actor_channels=A, hr2o=hr2o,
        train_cfg=ConfigDict(
            assigner=dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9, neg_iou_thr=0.9,
                          min_pos_iou=0.9),
            sampler=dict(type='RandomSampler', num=32, pos_fraction=1, neg_pos_ub=-1,
                         add_gt_as_proposals=True),
            pos_weight=1.0),
        test_cfg=dict(rcnn=None))
    cfg.update(kw)
    return cfg


def _build(**kw) -> ACARRoIHead:
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    torch.manual_seed(0)
    cfg = _cfg(**kw)
    cfg['type'] = 'mmaction.ACARRoIHead'
    # as inside an AVA config's FastRCNN (`_scope_='mmdet'`): the extractor, bbox head and
    # assigner live in mmdet's registries, whatever default scope an earlier test left behind
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MODELS.build(cfg)
    head.init_weights()
    return head.eval()


def _metas(n: int, shape: tuple[int, int] = (IMG, IMG)) -> list[dict]:
    return [dict(img_shape=shape) for _ in range(n)]


def _rois(per_clip: list[list[list[float]]]) -> torch.Tensor:
    rows = [[float(i), *box] for i, boxes in enumerate(per_clip) for box in boxes]
    return torch.tensor(rows, dtype=torch.float32).reshape(-1, 5)


def _hr2o(**kw) -> HR2O:
    torch.manual_seed(0)
    return HR2O(**{**dict(channels=E, depth=2, num_heads=2, dropout=0.0), **kw}).eval()


# --------------------------------------------------------------------------------------- HR2O


def test_built_through_registry():
    from mmaction.models.roi_heads import AVARoIHead
    from mmaction.registry import MODELS

    assert MODELS.get('ACARRoIHead') is ACARRoIHead
    assert MODELS.get('HR2O') is HR2O
    assert MODELS.get('LongTermBankAttention') is LongTermBankAttention
    head = _build()
    assert isinstance(head, AVARoIHead)
    assert head.out_channels == A + E and head.hr2o.depth == 2 and head.hr2o.num_heads == 2
    assert head.bank_attention is None


@pytest.mark.parametrize(
    'depth,num_heads,kernel_size,norm,mlp_1x1,include_self',
    list(itertools.product([1, 3], [1, 4], [1, 3], ['group', 'layer', 'none'], [False, True],
                           [True, False]))[::5])
def test_hr2o_shapes(depth, num_heads, kernel_size, norm, mlp_1x1, include_self):
    op = _hr2o(depth=depth, num_heads=num_heads, kernel_size=kernel_size, norm=norm,
               mlp_1x1=mlp_1x1, include_self=include_self, norm_groups=2)
    x = torch.randn(5, E, 6, 7)
    out = op(x, torch.tensor([0, 0, 1, 1, 1]))
    assert out.shape == (5, E, 6, 7) and torch.isfinite(out).all()
    assert op(x).shape == (5, E, 6, 7)
    assert len(op.layers) == depth


@pytest.mark.parametrize('include_self', [True, False])
def test_hr2o_is_permutation_equivariant(include_self):
    op = _hr2o(include_self=include_self)
    torch.manual_seed(1)
    x = torch.randn(6, E, 5, 5)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    with torch.no_grad():
        out = op(x)
        out_perm = op(x[perm])
    torch.testing.assert_close(out_perm, out[perm], rtol=0, atol=1e-5)
    # with two clips: permuting actors (across the clip order too) permutes the outputs
    inds = torch.tensor([0, 1, 0, 1, 1, 0])
    with torch.no_grad():
        out = op(x, inds)
        out_perm = op(x[perm], inds[perm])
    torch.testing.assert_close(out_perm, out[perm], rtol=0, atol=1e-5)
    assert (out - x).abs().max() > 1e-3  # the operator does something


def test_hr2o_actors_attend_to_each_other_within_a_clip_only():
    op = _hr2o()
    torch.manual_seed(2)
    x = torch.randn(5, E, 4, 4)
    inds = torch.tensor([0, 0, 1, 1, 1])
    changed = x.clone()
    changed[3] += 3.0  # an actor of clip 1
    with torch.no_grad():
        out, out2 = op(x, inds), op(changed, inds)
        joint, joint2 = op(x), op(changed)  # one clip: everyone sees actor 3
    torch.testing.assert_close(out2[:2], out[:2], rtol=0, atol=1e-6)  # clip 0 unchanged
    assert (out2[2] - out[2]).abs().max() > 1e-4  # actor 2 (clip 1) sees actor 3
    assert (joint2[:2] - joint[:2]).abs().max() > 1e-4
    # clip 0 alone gives the same result as clip 0 in the two-clip batch
    with torch.no_grad():
        torch.testing.assert_close(op(x[:2]), out[:2], rtol=0, atol=1e-5)


def test_hr2o_one_and_zero_actors():
    op = _hr2o()
    x = torch.randn(1, E, 3, 3)
    out = op(x)
    assert out.shape == (1, E, 3, 3) and torch.isfinite(out).all()
    # alone without attending to itself: nothing to attend to, the map passes unchanged
    alone = _hr2o(include_self=False)
    torch.testing.assert_close(alone(x), x, rtol=0, atol=0)
    empty = torch.zeros(0, E, 3, 3)
    assert op(empty).shape == (0, E, 3, 3)
    assert op(empty, torch.zeros(0, dtype=torch.long)).shape == (0, E, 3, 3)


def test_hr2o_single_head_matches_acar_net_formula():
    """One layer, one head: ACAR-Net's HR2O_NL written out (softmax over actors, GroupNorm(1),
    ReLU, conv, residual)."""
    op = _hr2o(depth=1, num_heads=1)
    layer = op.layers[0]
    torch.manual_seed(3)
    x = torch.randn(4, E, 5, 5)
    with torch.no_grad():
        q = layer.conv_q(x).unsqueeze(1)
        k = layer.conv_k(x).unsqueeze(0)
        att = ((q * k).sum(2) / E ** 0.5).softmax(dim=1)  # (N, N, H, W)
        virt = (att.unsqueeze(2) * layer.conv_v(x)).sum(1)
        virt = layer.conv_out(F.relu(F.group_norm(virt, 1, layer.norm.weight, layer.norm.bias)))
        torch.testing.assert_close(op(x), x + virt, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------------------- head


def _x(b: int = 2, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(seed)
    # SlowFast-like pair: slow (B, 12, T, H, W) and fast (B, 4, 4T, H, W) -> C = 16
    return (torch.randn(b, 12, T, FEAT, FEAT), torch.randn(b, 4, 4 * T, FEAT, FEAT))


@pytest.mark.parametrize('actor_channels,actor_pool,downsample,padding,norm', [
    (A, 'max', 'max2x2', 0, 'group'), (None, 'avg', 'none', 1, 'layer'),
    (A, 'avg', 'none', 0, 'none'), (None, 'max', 'max2x2', 1, 'group')])
def test_bbox_forward_shapes_varying_actors(actor_channels, actor_pool, downsample, padding,
                                            norm):
    head = _build(actor_channels=actor_channels, actor_pool=actor_pool, downsample=downsample,
                  relation_padding=padding, hr2o=dict(norm=norm))
    rois = _rois([[[10, 20, 80, 200]],
                  [[0, 0, 256, 256], [100, 30, 180, 250], [230, 200, 256, 256]]])
    out = head._bbox_forward(_x(), rois, _metas(2))
    width = (actor_channels or D) + E
    assert out['cls_score'].shape == (4, K)
    assert out['bbox_feats'].shape == (4, width, 1, 1, 1)
    assert torch.isfinite(out['cls_score']).all()


def test_head_is_permutation_equivariant_within_a_clip():
    head = _build()
    x = _x()
    per_clip = [[[10, 20, 80, 200], [120, 40, 200, 250], [0, 0, 60, 60]],
                [[0, 0, 256, 256], [100, 30, 180, 250]]]
    rois = _rois(per_clip)
    perm = torch.tensor([2, 0, 1, 4, 3])  # permutes the actors of each clip
    with torch.no_grad():
        out = head._bbox_forward(x, rois, _metas(2))['cls_score']
        out_perm = head._bbox_forward(x, rois[perm], _metas(2))['cls_score']
    torch.testing.assert_close(out_perm, out[perm], rtol=0, atol=1e-5)


def test_one_actor():
    head = _build()
    rois = _rois([[[30, 40, 120, 220]]])
    out = head._bbox_forward(_x(1), rois, _metas(1))
    assert out['cls_score'].shape == (1, K) and torch.isfinite(out['cls_score']).all()
    # a clip without actors beside a clip with one
    rois = torch.tensor([[1.0, 30, 40, 120, 220]])
    out = head._bbox_forward(_x(2), rois, _metas(2))
    assert out['cls_score'].shape == (1, K) and torch.isfinite(out['cls_score']).all()


def test_zero_actors_forward_and_predict():
    from mmaction.structures import ActionDataSample

    head = _build()
    x = torch.randn(1, C, T, FEAT, FEAT)
    out = head._bbox_forward(x, torch.zeros(0, 5), _metas(1))
    assert out['cls_score'].shape == (0, K)
    assert out['bbox_feats'].shape == (0, A + E, 1, 1, 1)
    sample = ActionDataSample()
    sample.set_metainfo(dict(img_shape=(IMG, IMG)))
    (res,) = head.predict(x, [InstanceData(bboxes=torch.zeros(0, 4))], [sample])
    assert res.scores.shape == (0, K) and res.bboxes.shape == (0, 4)


def test_clips_do_not_see_each_other():
    """Changing clip 1 (its actors, their number, its features) leaves clip 0's scores as they
    are."""
    head = _build()
    x = _x()
    clip0 = [[10, 20, 80, 200], [120, 40, 200, 250]]
    rois = _rois([clip0, [[0, 0, 256, 256], [100, 30, 180, 250]]])
    rois2 = _rois([clip0, [[5, 5, 60, 90], [100, 100, 250, 250], [40, 10, 90, 200]]])
    x2 = (x[0].clone(), x[1].clone())
    x2[0][1] += 2.0
    with torch.no_grad():
        out = head._bbox_forward(x, rois, _metas(2))['cls_score']
        out2 = head._bbox_forward(x2, rois2, _metas(2))['cls_score']
        alone = head._bbox_forward((x[0][:1], x[1][:1]), _rois([clip0]), _metas(1))['cls_score']
    torch.testing.assert_close(out2[:2], out[:2], rtol=0, atol=1e-6)
    torch.testing.assert_close(alone, out[:2], rtol=0, atol=1e-5)
    # and within a clip the actors do see each other: moving actor 1 changes actor 0's scores
    rois3 = rois.clone()
    rois3[1, 1:] = torch.tensor([150.0, 10, 250, 120])
    with torch.no_grad():
        out3 = head._bbox_forward(x, rois3, _metas(2))['cls_score']
    assert (out3[0] - out[0]).abs().max() > 1e-5


def test_relation_conv_equals_the_tiled_concatenation():
    """``W_c * c + W_a a`` is ACAR-Net's conv1 on ``[context; tiled actor]``."""
    head = _build(downsample='none')
    torch.manual_seed(4)
    context, actors = torch.randn(D, 9, 11), torch.randn(3, D)
    tiled = torch.cat([context[None].expand(3, -1, -1, -1),
                       actors[:, :, None, None].expand(-1, -1, 9, 11)], dim=1)
    expected = F.relu(head.conv2(F.relu(head.conv1(tiled))))
    with torch.no_grad():
        torch.testing.assert_close(head._relation(context, actors), expected, rtol=1e-5,
                                   atol=1e-5)


def test_padding_is_not_context():
    """A clip whose image is the top half of the padded batch: rows of the feature map below it
    are ignored with crop_padding (and seen without)."""
    rois = _rois([[[20, 10, 100, 110]]])
    metas = _metas(1, (IMG // 2, IMG))  # feature rows 0..7 are the image, 8..15 padding
    x = torch.randn(1, C, T, FEAT, FEAT)
    x_pad = x.clone()
    x_pad[..., FEAT // 2 + 1:, :] += 5.0  # rows 9.. (row 8 is a RoIAlign neighbour of row 7)
    for crop in (True, False):
        head = _build(crop_padding=crop)
        with torch.no_grad():
            a = head._bbox_forward(x, rois, metas)['cls_score']
            b = head._bbox_forward(x_pad, rois, metas)['cls_score']
        if crop:
            torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
        else:
            assert (a - b).abs().max() > 1e-4


def test_loss_trains_one_step():
    from mmaction.structures import ActionDataSample

    head = _build(hr2o=dict(dropout=0.2)).train()
    x = torch.randn(2, C, T, FEAT, FEAT)
    per_clip = [[[10, 20, 80, 200]], [[0, 0, 100, 256], [100, 30, 180, 250], [200, 0, 256, 90]]]
    samples, proposals = [], []
    for i, boxes in enumerate(per_clip):
        b = torch.tensor(boxes, dtype=torch.float32)
        labels = torch.zeros(len(boxes), K)
        labels[torch.arange(len(boxes)), torch.arange(len(boxes)) % (K - 1) + 1] = 1
        s = ActionDataSample()
        s.set_metainfo(dict(img_shape=(IMG, IMG), img_key=f'v,{i:04d}'))
        s.gt_instances = InstanceData(bboxes=b, labels=labels)
        samples.append(s)
        proposals.append(InstanceData(bboxes=b.clone()))
    optim = torch.optim.SGD(head.parameters(), lr=0.1)
    before = {k: v.detach().clone() for k, v in head.hr2o.named_parameters()}
    loss = head.loss(x, proposals, samples)['loss_action_cls']
    assert torch.isfinite(loss)
    loss.backward()
    for name, p in head.hr2o.named_parameters():
        assert p.grad is not None, name
    assert head.hr2o.layers[0].conv_q.weight.grad.abs().sum() > 0
    assert head.hr2o.layers[-1].conv_out.weight.grad.abs().sum() > 0
    assert head.conv1.weight.grad.abs().sum() > 0 and head.reduce.weight.grad.abs().sum() > 0
    optim.step()
    assert any(not torch.equal(before[k], v) for k, v in head.hr2o.named_parameters())


def test_long_term_bank_attention():
    head = _build(bank_attention=True, bank_channels=5, bank_heads=2)
    assert isinstance(head.bank_attention, LongTermBankAttention)
    x = _x()
    rois = _rois([[[10, 20, 80, 200], [120, 40, 200, 250]], [[0, 0, 256, 256]]])
    torch.manual_seed(5)
    banks = [torch.randn(7, 5), None]
    with torch.no_grad():
        plain = head._bbox_forward(x, rois, _metas(2))['cls_score']
        with_bank = head._bbox_forward(x, rois, _metas(2), long_term=banks)['cls_score']
        empty = head._bbox_forward(x, rois, _metas(2),
                                   long_term=[torch.zeros(0, 5), None])['cls_score']
        other = head._bbox_forward(x, rois, _metas(2),
                                   long_term=[banks[0] + 1.0, None])['cls_score']
    assert (with_bank[:2] - plain[:2]).abs().max() > 1e-5  # clip 0 attends to its bank
    torch.testing.assert_close(with_bank[2:], plain[2:], rtol=0, atol=0)  # no bank: skipped
    torch.testing.assert_close(empty, plain, rtol=0, atol=0)  # empty bank: skipped
    assert (other[:2] - with_bank[:2]).abs().max() > 1e-5
    # gradients reach the bank attention
    head.train()
    out = head._bbox_forward(x, rois, _metas(2), long_term=banks)['cls_score']
    out.sum().backward()
    assert head.bank_attention.k_proj.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='one bank'):
        head._bbox_forward(x, rois, _metas(2), long_term=banks[:1])
    with pytest.raises(ValueError, match='bank'):
        head._bbox_forward(x, rois, _metas(2), long_term=[torch.randn(3, 4), None])
    with pytest.raises(ValueError, match='bank_attention=False'):
        _build()._bbox_forward(x, rois, _metas(2), long_term=banks)


def test_long_term_bank_concat_fusion():
    """``bank_fusion='concat'``: the relation feature is left as it is and the bank read is a
    third part of the classifier input (zeros for a clip without a bank)."""
    head = _build(bank_attention=True, bank_channels=5, bank_heads=2, bank_fusion='concat',
                  bbox_in=A + 2 * E)
    assert head.out_channels == A + 2 * E and head.bank_attention.norm is None
    x = _x()
    rois = _rois([[[10, 20, 80, 200], [120, 40, 200, 250]], [[0, 0, 256, 256]]])
    torch.manual_seed(5)
    banks = [torch.randn(7, 5), None]
    with torch.no_grad():
        plain = head._bbox_forward(x, rois, _metas(2))['bbox_feats'].flatten(1)
        read = head._bbox_forward(x, rois, _metas(2), long_term=banks)['bbox_feats'].flatten(1)
        _, _, relation = head._relations(x, rois, _metas(2))
    assert read.shape == (3, A + 2 * E)
    torch.testing.assert_close(read[:, :A + E], plain[:, :A + E], rtol=0, atol=0)
    torch.testing.assert_close(read[:, A:A + E], relation, rtol=0, atol=0)  # r untouched
    assert read[:2, A + E:].abs().max() > 1e-5  # clip 0 read its bank
    assert not read[2:, A + E:].any() and not plain[:, A + E:].any()  # no bank: zeros
    with pytest.raises(ValueError, match='2 x hidden_channels'):
        _build(bank_attention=True, bank_fusion='concat')  # bbox head sized for A + E
    with pytest.raises(ValueError, match='fusion'):
        LongTermBankAttention(channels=E, fusion='sum')


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='shared_head'):
        _build(shared_head=dict(type='ACRNHead', in_channels=C, out_channels=C))
    with pytest.raises(ValueError, match='in_channels'):
        _build(bbox_in=A + E + 1)
    with pytest.raises(ValueError, match='hidden_channels'):
        _build(hr2o=dict(channels=E))
    with pytest.raises(ValueError, match='num_heads'):
        _build(hr2o=dict(num_heads=3))
    with pytest.raises(ValueError, match='norm'):
        _build(hr2o=dict(norm='batch'))
    with pytest.raises(ValueError, match='kernel_size'):
        _build(hr2o=dict(kernel_size=2))
    with pytest.raises(ValueError, match='downsample'):
        _build(downsample='avg')
    with pytest.raises(ValueError, match='with_global'):
        _build(bbox_roi_extractor=dict(type='SingleRoIExtractor3D', output_size=4,
                                       with_global=True))
    head = _build()
    with pytest.raises(ValueError, match='in_channels'):
        head._bbox_forward(torch.randn(1, C + 2, T, FEAT, FEAT), _rois([[[0, 0, 50, 50]]]),
                           _metas(1))
    with pytest.raises(ValueError, match='relation kernel'):
        head._bbox_forward(torch.randn(1, C, T, 2, 2), _rois([[[0, 0, 20, 20]]]),
                           _metas(1, (32, 32)))
    with pytest.raises(ValueError, match='relation maps'):
        head.hr2o(torch.randn(2, E + 1, 3, 3))


def test_tiny_model_zero_and_several_actors():
    """The tiny SlowFast AVA model with its roi_head swapped for ACAR: no proposal, three."""
    from mmaction.registry import TRANSFORMS
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(TINY)
    head = cfg.model.roi_head
    head.type = 'mmaction.ACARRoIHead'
    head.update(in_channels=96, reduce_channels=16, hidden_channels=16, actor_channels=16,
                hr2o=dict(depth=1))
    head.bbox_head.in_channels = 32
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    assert isinstance(model.roi_head, ACARRoIHead)
    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    rng = np.random.default_rng(0)
    for n in (0, 3):
        boxes = np.array([[2 + 20 * j, 4, 22 + 20 * j, 64] for j in range(n)],
                         np.float32).reshape(-1, 4)
        sample = pack(dict(
            imgs=rng.uniform(0, 255, (3, 16, 64, 64)).astype(np.float32), proposals=boxes,
            gt_bboxes=boxes, gt_labels=np.zeros((n, 20), np.float32), img_shape=(64, 64),
            img_key='v,0902', video_id='v', timestamp=902))
        with torch.no_grad():
            (out,) = model.test_step(pseudo_collate([sample]))
        assert out.pred_instances.scores.shape == (n, 20)
        assert torch.isfinite(out.pred_instances.scores).all()
