"""Keypoints and parts per person proposal: exact mapping back to the frame (stub models), and end
to end on the synthetic ``tiny`` preset with the tiny pose and part configs (random weights)."""

from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.datasets.person_crops import crop_box
from mmaction_plugins.datasets.person_parts_file import load_person_parts
from mmaction_plugins.datasets.proposals import load_proposals, save_proposals
from mmaction_plugins.engine.person_parts import (
    frames_for_keys,
    main,
    person_keypoints,
    person_parts,
    run_person_parts,
)
from mmaction_plugins.utils.video import iter_video_frames
from tests.conftest import REPO, isolated_default_scope

STAGE_ONE = osp.join(REPO, 'configs', 'stage_one')
PART_TINY = osp.join(STAGE_ONE, 'cascade-rcnn_swin-t-w16_fpn_2e_synthetic-body-part.py')
POSE_TINY = osp.join(STAGE_ONE, 'td-hm_res18-w16_30e_synthetic-keypoints-96x64.py')
PART_NAMES = ('head', 'torso', 'left_upper_arm', 'left_forearm', 'right_upper_arm',
              'right_forearm', 'left_thigh', 'left_shin', 'right_thigh', 'right_shin')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory) -> str:
    """The synthetic ``tiny`` preset (seed 0), generated once per session."""
    from mmaction_plugins.datasets.synthetic import PRESETS, generate

    out = tmp_path_factory.getbasetemp() / 'synthetic-tiny-seed0'
    if not out.is_dir():
        generate(PRESETS['tiny'], 0, str(out))
    return str(out)


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory) -> dict[str, str]:
    """Random-weight checkpoints of the tiny part detector and pose model, with dataset_meta as
    a training run saves it (mmdet would otherwise assume the 80 COCO classes)."""
    from mmdet.registry import MODELS as DET_MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS as POSE_MODELS

    out = tmp_path_factory.mktemp('ckpt')
    with isolated_default_scope():
        torch.manual_seed(0)
        init_default_scope('mmdet')
        part = DET_MODELS.build(Config.fromfile(PART_TINY).model)
        torch.save({'state_dict': part.state_dict(),
                    'meta': {'dataset_meta': {'classes': PART_NAMES}}}, out / 'part.pth')
        init_default_scope('mmpose')
        pose = POSE_MODELS.build(Config.fromfile(POSE_TINY).model)
        torch.save({'state_dict': pose.state_dict(), 'meta': {}}, out / 'pose.pth')
    return {'part': str(out / 'part.pth'), 'pose': str(out / 'pose.pth')}


@pytest.fixture(scope='module')
def models(checkpoints):
    """(pose model, part detector); the detector keeps every box (random weights)."""
    from mmdet.apis import init_detector
    from mmengine.config import Config
    from mmpose.apis import init_model

    cfg = Config.fromfile(PART_TINY)
    cfg.model.test_cfg.rcnn.score_thr = 0.0
    with isolated_default_scope():
        yield (init_model(POSE_TINY, checkpoints['pose'], device='cpu'),
               init_detector(cfg, checkpoints['part'], device='cpu'))


def _val_frames(tiny: str, count: int = 3):
    """The first ``count`` validation keyframes with people, and all proposals."""
    props = load_proposals(osp.join(tiny, 'ava', 'annotations', 'ava_dense_proposals_val.json'))
    keys = sorted(k for k in props if len(props[k]))[:count]
    frames = list(frames_for_keys(keys, frame_root=osp.join(tiny, 'ava', 'rawframes')))
    return frames, props


# ---------------------------------------------------------------------------------------------
# stub models: exact geometry, no network


class _StubDetector:
    """Answers every crop with fixed crop-pixel boxes: class 0 = the whole crop (0.9), class 2 at
    (1, 2, 3, 4) twice (0.7 and a weaker 0.3 elsewhere), class 1 never; records the crops."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.dataset_meta = {'classes': ('a', 'b', 'c')}
        self.crops: list[tuple[int, int]] = []

    def test_step(self, data):
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData

        out = []
        for sample in data['data_samples']:
            h, w = sample.ori_shape
            self.crops.append((h, w))
            pred = DetDataSample(metainfo=sample.metainfo)
            pred.pred_instances = InstanceData(
                bboxes=torch.tensor([[0, 0, w, h], [1, 2, 3, 4], [0, 0, 1, 1]],
                                    dtype=torch.float32),
                scores=torch.tensor([0.9, 0.7, 0.3]), labels=torch.tensor([0, 2, 2]))
            out.append(pred)
        return out


def test_parts_map_back_to_the_frame_exactly():
    from mmengine.config import Config

    det = _StubDetector(Config.fromfile(PART_TINY))
    img = np.zeros((144, 192, 3), np.uint8)
    boxes = np.array([[0.25, 0.25, 0.5, 0.75, 0.9],     # inside the frame
                      [0.0, 0.5, 0.125, 1.0, 0.8]])     # at the left / bottom border
    got = person_parts(det, img, boxes)
    assert got.shape == (2, 3, 5)
    crops = crop_box(boxes[:, :4] * [192, 144, 192, 144], 1.25, 192, 144)  # config's scale
    assert det.crops == [(int(c[3] - c[1]), int(c[2] - c[0])) for c in crops]
    scale = np.array([192, 144, 192, 144])
    for i, crop in enumerate(crops):
        np.testing.assert_allclose(got[i, 0, :4], crop / scale, rtol=0, atol=1e-12)
        assert got[i, 0, 4] == pytest.approx(0.9, abs=1e-7)  # float32 score
        np.testing.assert_array_equal(got[i, 1], 0.0)  # never detected
        xyxy = (np.array([1, 2, 3, 4]) + [crop[0], crop[1]] * 2) / scale
        np.testing.assert_allclose(got[i, 2], [*xyxy, 0.7], rtol=0, atol=1e-7)
    assert person_parts(det, img, boxes, crop_scale=1.0, score_thr=0.8)[0, 2, 4] == 0.0
    assert person_parts(det, img, np.zeros((0, 5))).shape == (0, 3, 5)


def test_part_detector_without_dataset_meta_is_refused(models):
    from mmengine.config import Config

    det = _StubDetector(Config.fromfile(PART_TINY))
    det.roi_head = models[1].roi_head  # 10 classes in the heads, 3 names
    with pytest.raises(ValueError, match='part detector has 10 classes but its dataset_meta '
                                         'names 3'):
        person_parts(det, np.zeros((144, 192, 3), np.uint8), np.array([[0, 0, 0.5, 0.5]]))


def test_keypoints_are_relative_to_the_frame(models):
    """Box -> pixels -> pose model -> relative keypoints: a stub test_step puts every keypoint
    on the top-left corner of the box it was given."""
    from mmengine.structures import InstanceData

    pose = models[0]
    real_step = pose.test_step

    def corner_step(data):
        preds = real_step(data)
        for pred in preds:
            x1, y1 = pred.gt_instances.bboxes[0][:2]
            pred.pred_instances = InstanceData(keypoints=np.tile([[x1, y1]], (1, 17, 1)),
                                               keypoint_scores=np.full((1, 17), 0.5))
        return preds

    pose.test_step = corner_step
    try:
        boxes = np.array([[0.25, 0.125, 0.5, 0.75, 1.0], [0.5, 0.5, 0.75, 1.0, 1.0]])
        got = person_keypoints(pose, np.zeros((144, 192, 3), np.uint8), boxes)
    finally:
        del pose.test_step
    assert got.shape == (2, 17, 3)
    np.testing.assert_allclose(got[:, :, :2], np.repeat(boxes[:, None, :2], 17, 1), atol=1e-6)
    np.testing.assert_array_equal(got[:, :, 2], 0.5)
    assert person_keypoints(pose, np.zeros((144, 192, 3), np.uint8),
                            np.zeros((0, 5))).shape == (0, 17, 3)


# ---------------------------------------------------------------------------------------------
# frames


def test_frames_for_ava_and_video_keys(tiny):
    root = osp.join(tiny, 'ava', 'rawframes')
    video_id = sorted(os.listdir(root))[0]
    (key, path), = frames_for_keys([f'{video_id},0903'], frame_root=root)
    assert key == f'{video_id},0903' and path == osp.join(root, video_id, 'img_00091.jpg')
    with pytest.raises(FileNotFoundError, match=rf"key '{video_id},0999': frame .* missing"):
        list(frames_for_keys([f'{video_id},0999'], frame_root=root))

    vroot = osp.join(tiny, 'multisports', 'trainval')
    sport = sorted(os.listdir(vroot))[0]
    video = f'{sport}/{sorted(os.listdir(osp.join(vroot, sport)))[0]}'
    got = dict(frames_for_keys([f'{video},0016', f'{video},0001'], video_root=vroot))
    frames = list(iter_video_frames(osp.join(vroot, video)))
    np.testing.assert_array_equal(got[f'{video},0001'], frames[0])
    np.testing.assert_array_equal(got[f'{video},0016'], frames[15])
    with pytest.raises(ValueError, match=rf"key '{video},9999': .* fewer than 9999 frames"):
        list(frames_for_keys([f'{video},9999'], video_root=vroot))
    with pytest.raises(ValueError, match='exactly one'):
        list(frames_for_keys([], frame_root=root, video_root=vroot))


# ---------------------------------------------------------------------------------------------
# end to end on the tiny preset


def test_tiny_models_on_synthetic_frames(tiny, models, tmp_path):
    pose, det = models
    frames, props = _val_frames(tiny)
    result = run_person_parts(frames, props, pose, det, progress=False)
    assert sorted(result.boxes) == [k for k, _ in frames]
    assert result.part_names == PART_NAMES and len(result.keypoint_names) == 17
    assert result.keypoints is not None and result.parts is not None
    for key, _ in frames:
        n = len(props[key])
        np.testing.assert_array_equal(result.boxes[key], props[key])
        assert result.keypoints[key].shape == (n, 17, 3)
        assert result.parts[key].shape == (n, 10, 5)
        kp = result.keypoints[key]
        assert kp[..., :2].min() >= 0 and kp[..., :2].max() <= 1
        parts = result.parts[key]
        found = parts[..., 4] > 0
        assert found.any()  # score_thr 0: random weights still detect something
        # detected parts lie inside their person's crop (mapped back from crop coordinates)
        for i, box in enumerate(props[key]):
            size = np.array([192, 144, 192, 144])
            crop = crop_box(box[:4] * size, 1.25, 192, 144) / size
            inside = parts[i][found[i], :4]
            assert (inside[:, :2] >= crop[:2] - 1e-9).all()
            assert (inside[:, 2:] <= crop[2:] + 1e-9).all()
    for ext in ('npz', 'json'):
        from mmaction_plugins.datasets.person_parts_file import save_person_parts

        save_person_parts(result, tmp_path / f'out.{ext}')
        back = load_person_parts(tmp_path / f'out.{ext}')
        for key, _ in frames:
            np.testing.assert_allclose(back.parts[key], result.parts[key], rtol=0, atol=1e-6)
            np.testing.assert_allclose(back.keypoints[key], result.keypoints[key], rtol=0,
                                       atol=1e-6)


def test_command_line(tiny, checkpoints, tmp_path):
    frames, props = _val_frames(tiny, count=2)
    subset = {k: props[k] for k, _ in frames}
    empty = frames[1][0]
    subset[empty] = np.zeros((0, 5))  # a keyframe without people
    save_proposals(subset, tmp_path / 'props.json')
    out = tmp_path / 'parts.json'
    main(['--proposals', str(tmp_path / 'props.json'), '--out', str(out),
          '--frame-root', osp.join(tiny, 'ava', 'rawframes'),
          '--part-config', PART_TINY, '--part-checkpoint', checkpoints['part'],
          '--pose-config', POSE_TINY, '--pose-checkpoint', checkpoints['pose']])
    back = load_person_parts(out)
    assert sorted(back.boxes) == sorted(k for k, _ in frames)
    assert back.parts is not None and back.keypoints is not None
    assert back.parts[frames[0][0]].shape == (len(props[frames[0][0]]), 10, 5)
    assert back.parts[empty].shape == (0, 10, 5) and back.keypoints[empty].shape == (0, 17, 3)
    raw = json.loads(out.read_text())
    assert raw['part_names'] == list(PART_NAMES)
    with pytest.raises(SystemExit):
        main(['--proposals', str(tmp_path / 'props.json'), '--out', str(out),
              '--frame-root', 'x', '--part-config', PART_TINY])
