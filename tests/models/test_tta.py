"""Test-time augmentation: exact box flips, views, merged scores, boxes mapped back exactly."""

from __future__ import annotations

import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmaction_plugins.models.tta import (
    TTAView,
    augment_sample,
    flip_boxes,
    merge_view_predictions,
    scale_boxes,
    stad_tta_predict,
    tta_views,
)
from tests.conftest import REPO

PHASE1 = osp.join(REPO, 'configs', 'pcca', 'pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _sample(boxes, shape=(64, 96), **meta):
    from mmaction.structures import ActionDataSample

    s = ActionDataSample()
    s.set_metainfo(dict(img_shape=shape, img_key='v,0902', **meta))
    s.proposals = InstanceData(bboxes=torch.as_tensor(boxes, dtype=torch.float32))
    return s


class RegionMeanModel:
    """Stand-in STAD model: each person's "scores" are the channel means of the input pixels
    under its box (integer boxes), boxes returned as AVARoIHead does (relative, flip undone with
    mmaction2's ``img_w - 1 - x`` if the meta says so)."""

    def __init__(self, reorder: bool = False) -> None:
        self.reorder = reorder

    def test_step(self, data: dict) -> list:
        (inputs,), (sample,) = data['inputs'], data['data_samples']
        h, w = sample.metainfo['img_shape']
        boxes = sample.proposals.bboxes
        scores = torch.stack([
            inputs[:, :, round(float(b[1])):round(float(b[3])),
                   round(float(b[0])):round(float(b[2]))].float().mean(dim=(1, 2, 3))
            for b in boxes]) if len(boxes) else torch.zeros(0, inputs.shape[0])
        rel = scale_boxes(boxes, 1.0 / w, 1.0 / h)
        if self.reorder:
            rel, scores = rel.flip(0), scores.flip(0)
        out = sample.clone()
        out.pred_instances = InstanceData(bboxes=rel, scores=scores)
        return [out]


def test_flip_is_exact_and_its_own_inverse():
    box = torch.tensor([[10.0, 5.0, 30.0, 40.0]])
    torch.testing.assert_close(flip_boxes(box, 64.0), torch.tensor([[34.0, 5.0, 54.0, 40.0]]))
    torch.testing.assert_close(flip_boxes(box / 64, 1.0),
                               torch.tensor([[34.0, 5.0, 54.0, 40.0]]) / 64)
    full = np.array([[0.0, 0.0, 64.0, 48.0]])
    np.testing.assert_array_equal(flip_boxes(full, 64.0), full)  # whole image stays whole
    rng = np.random.default_rng(0)
    xy = np.sort(rng.uniform(0, 1, (50, 2, 2)), axis=1)
    boxes = np.concatenate([xy[:, 0], xy[:, 1]], axis=1)  # x1, y1, x2, y2
    np.testing.assert_allclose(flip_boxes(flip_boxes(boxes, 1.0), 1.0), boxes, rtol=0, atol=1e-15)
    ints = torch.randint(0, 30, (20, 4)).float()
    assert torch.equal(flip_boxes(flip_boxes(ints, 455.0), 455.0), ints)
    assert flip_boxes(box, 64.0).data_ptr() != box.data_ptr()  # a copy, input untouched
    torch.testing.assert_close(box, torch.tensor([[10.0, 5.0, 30.0, 40.0]]))
    with pytest.raises(ValueError):
        flip_boxes(torch.zeros(3, 5), 1.0)


def test_flip_matches_mmaction_transform_and_fixes_its_unflip():
    from mmaction.datasets.transforms import Flip
    from mmaction.models.roi_heads.bbox_heads import BBoxHeadAVA

    w = 64
    boxes = np.array([[10.0, 5.0, 30.0, 40.0], [0.0, 0.0, 64.0, 48.0]], np.float32)
    np.testing.assert_array_equal(Flip._box_flip(boxes, w), flip_boxes(boxes, float(w)))
    # mmaction2's un-flip of its own flipped boxes is 1 px off; ours maps back exactly
    head = BBoxHeadAVA(background_class=True, in_channels=4, num_classes=3, topk=())
    flipped = torch.from_numpy(Flip._box_flip(boxes, w))
    roi = torch.cat([torch.zeros(2, 1), flipped], dim=1)
    res = head._predict_by_feat_single(roi, torch.zeros(2, 3), dict(img_shape=(48, w), flip=True))
    np.testing.assert_allclose(res.bboxes[:, 0::2].numpy() * w, boxes[:, 0::2] - 1, atol=1e-5)
    ours = flip_boxes(flipped / torch.tensor([w, 48, w, 48]), 1.0)
    torch.testing.assert_close(ours * torch.tensor([w, 48, w, 48]), torch.from_numpy(boxes))


def test_scale_and_views():
    box = torch.tensor([[10.0, 5.0, 30.0, 40.0]])
    torch.testing.assert_close(scale_boxes(box, 2.0, 0.5), torch.tensor([[20.0, 2.5, 60.0, 20.0]]))
    views = tta_views([(256, 455), (360, 640)], flip=True)
    assert views == [TTAView((256, 455), False), TTAView((256, 455), True),
                     TTAView((360, 640), False), TTAView((360, 640), True)]
    assert tta_views([None], flip=False) == [TTAView(None, False)]
    assert TTAView(1.5).shape_for(64, 96) == (96, 144)


def test_augment_sample_flips_and_scales_inputs_and_boxes():
    inputs = torch.arange(3 * 2 * 4 * 6, dtype=torch.float32).reshape(3, 2, 4, 6)
    sample = _sample([[1.0, 0.0, 3.0, 2.0]], shape=(4, 6),
                     crop_quadruple=np.array([0.1, 0.1, 0.5, 0.5]))
    out, s = augment_sample(inputs, sample, TTAView(None, True))
    assert torch.equal(out, inputs.flip(-1))
    torch.testing.assert_close(s.proposals.bboxes, torch.tensor([[3.0, 0.0, 5.0, 2.0]]))
    assert s.metainfo['flip'] is False and tuple(s.metainfo['img_shape']) == (4, 6)
    np.testing.assert_array_equal(s.metainfo['crop_quadruple'], [0, 0, 1, 1])
    torch.testing.assert_close(sample.proposals.bboxes, torch.tensor([[1.0, 0.0, 3.0, 2.0]]))
    out, s = augment_sample(inputs, sample, TTAView((8, 12), False))
    assert out.shape == (3, 2, 8, 12)
    torch.testing.assert_close(s.proposals.bboxes, torch.tensor([[2.0, 0.0, 6.0, 4.0]]))
    with pytest.raises(ValueError, match='img_shape'):
        augment_sample(inputs, _sample([[0, 0, 1, 1]], shape=(5, 6)), TTAView())


def test_exact_flip_gives_identical_region_scores():
    """With an exact flip every person sees the same (mirrored) pixels in the flipped view."""
    torch.manual_seed(0)
    inputs = torch.rand(3, 4, 48, 64)
    boxes = [[0.0, 0.0, 20.0, 48.0], [30.0, 10.0, 64.0, 40.0], [7.0, 3.0, 9.0, 5.0]]
    data = dict(inputs=[inputs], data_samples=[_sample(boxes, shape=(48, 64))])
    model = RegionMeanModel()
    (single,) = stad_tta_predict(model, data, [TTAView()])
    (both,) = stad_tta_predict(model, data, tta_views([None], flip=True))
    torch.testing.assert_close(both.pred_instances.scores, single.pred_instances.scores,
                               rtol=0, atol=1e-6)
    expected = torch.tensor(boxes) / torch.tensor([64.0, 48.0, 64.0, 48.0])
    torch.testing.assert_close(both.pred_instances.bboxes, expected, rtol=0, atol=0)


def test_merge_rejects_boxes_that_do_not_map_back():
    data = dict(inputs=[torch.rand(3, 2, 48, 64)],
                data_samples=[_sample([[0.0, 0.0, 20.0, 48.0], [30.0, 10.0, 64.0, 40.0]],
                                      shape=(48, 64))])
    with pytest.raises(RuntimeError, match='map back'):
        stad_tta_predict(RegionMeanModel(reorder=True), data, [TTAView()])
    pred = InstanceData(bboxes=torch.tensor([[0.0, 0.0, 0.5, 1.0]]), scores=torch.ones(1, 2))
    offby1 = InstanceData(bboxes=torch.tensor([[0.5 - 1 / 64, 0.0, 1.0 - 1 / 64, 1.0]]),
                          scores=torch.ones(1, 2))
    with pytest.raises(RuntimeError):
        merge_view_predictions([pred, offby1], tta_views(flip=True),
                               torch.tensor([[0.0, 0.0, 32.0, 48.0]]), (48, 64), {})


def test_merge_undoes_crop_and_sample_flip():
    props = torch.tensor([[0.0, 0.0, 32.0, 48.0]])
    pred = InstanceData(bboxes=props / torch.tensor([64.0, 48.0, 64.0, 48.0]),
                        scores=torch.tensor([[0.2, 0.4]]))
    flipped = InstanceData(bboxes=torch.tensor([[0.5, 0.0, 1.0, 1.0]]),
                           scores=torch.tensor([[0.6, 0.0]]))
    meta = dict(crop_quadruple=np.array([0.25, 0.5, 0.5, 0.5]), flip=True)
    merged = merge_view_predictions([pred, flipped], tta_views(flip=True), props, (48, 64), meta)
    torch.testing.assert_close(merged.scores, torch.tensor([[0.4, 0.2]]))
    # input-relative (0, 0, .5, 1) -> sample flip (.5, 0, 1, 1) -> crop: x * .5 + .25, y * .5 + .5
    torch.testing.assert_close(merged.bboxes, torch.tensor([[0.5, 0.5, 0.75, 1.0]]))


def test_tiny_pcca_model_two_scales_and_flip():
    from mmaction.registry import TRANSFORMS
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    import mmaction_plugins.models  # noqa: F401

    cfg = Config.fromfile(PHASE1)
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    rng = np.random.default_rng(0)
    boxes = np.array([[4, 8, 24, 60], [30, 2, 64, 40]], np.float32)
    data = pseudo_collate([pack(dict(
        imgs=rng.uniform(0, 255, (3, 16, 64, 64)).astype(np.float32), proposals=boxes,
        gt_bboxes=boxes, gt_labels=np.zeros((2, 20), np.float32), img_shape=(64, 64),
        img_key='v,0902', video_id='v', timestamp=902))])
    views = tta_views([None, (96, 96)], flip=True)
    (merged,) = stad_tta_predict(model, data, views)

    # the same four views made by hand (torch.flip, W - x), averaged
    inputs, sample = data['inputs'][0], data['data_samples'][0]
    scores = []
    for size in (64, 96):
        x = torch.nn.functional.interpolate(
            inputs.reshape(1, -1, 64, 64), size=(size, size), mode='bilinear',
            align_corners=False).reshape(*inputs.shape[:2], size, size)
        b = torch.from_numpy(boxes) * size / 64
        for flip in (False, True):
            s = sample.clone()
            s.set_metainfo(dict(img_shape=(size, size)))
            fb = torch.stack([size - b[:, 2], b[:, 1], size - b[:, 0], b[:, 3]], 1) if flip else b
            s.proposals = InstanceData(bboxes=fb)
            with torch.no_grad():
                (out,) = model.test_step(dict(inputs=[x.flip(-1) if flip else x],
                                              data_samples=[s]))
            scores.append(out.pred_instances.scores)
    torch.testing.assert_close(merged.pred_instances.scores, torch.stack(scores).mean(0))
    torch.testing.assert_close(merged.pred_instances.bboxes, torch.from_numpy(boxes) / 64,
                               rtol=0, atol=0)
    assert not torch.allclose(scores[0], scores[1])  # the flipped view is a different input


def test_tta_model_wraps_the_config_model_and_equals_stad_tta_predict():
    from mmaction.registry import MODELS as MMACTION_MODELS
    from mmaction.registry import TRANSFORMS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    import mmaction_plugins.models  # noqa: F401
    from mmaction_plugins.engine.cli import _wrap_tta
    from mmaction_plugins.models.tta import STADTTAModel

    cfg = Config.fromfile(PHASE1)
    assert [v['size'] for v in cfg.tta_model.views] == [None, None, 1.25, 1.25]
    _wrap_tta(cfg)  # what tools/test.py --tta does
    assert cfg.model.type == 'STADTTAModel' and cfg.model.module.type == 'FastRCNN'
    init_default_scope('mmaction')
    torch.manual_seed(0)
    tta = MMACTION_MODELS.build(cfg.model).eval()
    assert isinstance(tta, STADTTAModel)
    assert tta.views == tta_views([None, 1.25], flip=True)
    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    boxes = np.array([[4, 8, 24, 60], [30, 2, 64, 40]], np.float32)
    data = pseudo_collate([pack(dict(
        imgs=np.random.default_rng(1).uniform(0, 255, (3, 16, 64, 64)).astype(np.float32),
        proposals=boxes, gt_bboxes=boxes, gt_labels=np.zeros((2, 20), np.float32),
        img_shape=(64, 64), img_key='v,0902', video_id='v', timestamp=902))])
    (got,) = tta.test_step(data)
    (ref,) = stad_tta_predict(tta.module, data, tta.views)
    torch.testing.assert_close(got.pred_instances.scores, ref.pred_instances.scores)
    with pytest.raises(ValueError, match='size and flip'):
        STADTTAModel(tta.module, views=[dict(scale=2)])
    assert STADTTAModel(tta.module).views == tta_views()


def test_views_move_metainfo_boxes_with_the_proposals():
    """The arm model's arm / body boxes (metainfo, input pixels) are scaled and flipped exactly
    like the proposals, so ArmRoIHead finds its RoIs among them in every view."""
    from mmaction.structures import ActionDataSample
    from mmengine.registry import DefaultScope
    from mmengine.structures import InstanceData

    from mmaction_plugins.models.tta import META_BOX_KEYS, TTAView, augment_sample

    assert set(META_BOX_KEYS) == {'arm_bboxes', 'arm_body_bboxes'}
    bodies = np.array([[4, 8, 24, 60], [30, 2, 64, 40]], np.float32)
    arms = np.array([[10, 20, 30, 40], [30, 2, 64, 40]], np.float32)
    sample = ActionDataSample()
    sample.set_metainfo(dict(img_shape=(64, 80), img_key='v,0902', arm_bboxes=arms,
                             arm_body_bboxes=bodies))
    sample.proposals = InstanceData(bboxes=torch.from_numpy(bodies))
    inputs = torch.zeros(3, 4, 64, 80)
    view = TTAView(size=1.25, flip=True)
    _, out = augment_sample(inputs, sample, view)
    for key, ref in (('arm_bboxes', arms), ('arm_body_bboxes', bodies)):
        expect = flip_boxes(scale_boxes(ref, 1.25, 1.25), 100.0)
        np.testing.assert_allclose(out.metainfo[key], expect)
    torch.testing.assert_close(out.proposals.bboxes,
                               torch.from_numpy(flip_boxes(scale_boxes(bodies, 1.25, 1.25),
                                                           100.0)))
    np.testing.assert_array_equal(sample.metainfo['arm_bboxes'], arms)  # the input is untouched
    # the arm head accepts the view (its RoIs are the view's arm_body_bboxes) and pools at the
    # view's arm boxes
    from mmdet.registry import MODELS

    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MODELS.build(dict(
            type='mmaction.ArmRoIHead',
            bbox_roi_extractor=dict(type='SingleRoIExtractor3D', roi_layer_type='RoIAlign',
                                    output_size=4, with_temporal_pool=True),
            bbox_head=dict(type='BBoxHeadAVA', background_class=False, multilabel=True,
                           num_classes=4, topk=(), dropout_ratio=0.0, in_channels=6),
            test_cfg=dict(rcnn=None))).eval()
    rois = torch.cat([torch.zeros(2, 1), out.proposals.bboxes], dim=1)
    got = head.arm_rois(rois, [out.metainfo])
    torch.testing.assert_close(got[:, 1:], torch.from_numpy(out.metainfo['arm_bboxes']))
