"""Arm boxes from keypoints (seed 003): an arm inside the image, outside it, missing keypoints,
one or both arms, left / right choice, enlargement / minimum size / clipping, and the
``ArmProposals`` transform through mmaction2's resize, crop and flip (flipped images)."""

from __future__ import annotations

import numpy as np
import pytest

import mmaction_plugins  # noqa: F401  (registers the transform)
from mmaction_plugins.datasets.arm_boxes import COCO_ARMS, arm_boxes, qualifying_arms
from mmaction_plugins.datasets.transforms import ArmProposals
from mmaction_plugins.datasets.transforms.arm_proposals import keypoints_to_clip

H, W = 100, 200  # frame (pixels)


def _person(left=None, right=None, score: float = 1.0) -> np.ndarray:
    """(17, 3) relative keypoints: the given arms' (shoulder, elbow, wrist) at the given pixel
    points with ``score``; every other keypoint missing (``0, 0``, score 0, COCO's layout)."""
    k = np.zeros((17, 3))
    for side, pts in (('left', left), ('right', right)):
        if pts is not None:
            for idx, (x, y) in zip(COCO_ARMS[side], pts):
                k[idx] = [x / W, y / H, score]
    return k


BODY = np.array([[80.0, 20.0, 120.0, 100.0]])  # 40 x 80 px
LEFT = [(110, 40), (120, 50), (130, 40)]  # shoulder, elbow, wrist (pixels)
RIGHT = [(90, 40), (80, 50), (70, 60)]


def _boxes(kpts_rel: np.ndarray, body: np.ndarray = BODY, **kw) -> tuple[np.ndarray, np.ndarray]:
    kpts_rel = np.asarray(kpts_rel, dtype=np.float64).reshape(len(body), 17, 3)
    q = qualifying_arms(kpts_rel, kw.pop('score_thr', 0.3), kw.pop('margin', 0.0))
    return arm_boxes(body, keypoints_to_clip(kpts_rel, (H, W)), q, (H, W), **kw)


def test_arm_inside_the_image_gives_the_enlarged_arm_box():
    boxes, valid = _boxes(_person(left=LEFT), scale=1.5, min_size=0.0)
    # shoulder / elbow / wrist span x 110..130, y 40..50: centre (120, 45), 20 x 10 -> 30 x 15
    np.testing.assert_allclose(boxes[0], [105, 37.5, 135, 52.5], atol=1e-4)
    assert valid.tolist() == [True]
    forearm, _ = _boxes(_person(left=LEFT), scale=1.0, min_size=0.0, include_shoulder=False)
    np.testing.assert_allclose(forearm[0], [120, 40, 130, 50], atol=1e-4)  # elbow + wrist


def test_both_arms_union_and_left_right_choice():
    both = _person(left=LEFT, right=RIGHT)
    union, _ = _boxes(both, scale=1.0, min_size=0.0)
    np.testing.assert_allclose(union[0], [70, 40, 130, 60], atol=1e-4)
    left, _ = _boxes(both, scale=1.0, min_size=0.0, arms='left')
    np.testing.assert_allclose(left[0], [110, 40, 130, 50], atol=1e-4)
    right, _ = _boxes(both, scale=1.0, min_size=0.0, arms='right')
    np.testing.assert_allclose(right[0], [70, 40, 90, 60], atol=1e-4)
    # only the left arm qualifies: 'right' keeps the body box
    body, valid = _boxes(_person(left=LEFT), arms='right')
    np.testing.assert_allclose(body, BODY)
    assert valid.tolist() == [False]


@pytest.mark.parametrize('elbow,wrist', [
    ((0, 50), (130, 40)),     # elbow clipped to the left border (x = 0): not inside
    ((120, 50), (200, 40)),   # wrist on the right border (x = W)
    ((120, 0), (130, 40)),    # elbow on the top border
    ((120, 50), (130, 100)),  # wrist on the bottom border
])
def test_arm_outside_the_image_keeps_the_body_box(elbow, wrist):
    kpts = _person(left=[(110, 40), elbow, wrist])
    boxes, valid = _boxes(kpts)
    np.testing.assert_allclose(boxes, BODY)
    assert valid.tolist() == [False]


def test_margin_moves_the_inside_test_inwards():
    kpts = _person(left=[(110, 40), (120, 50), (197, 40)])  # wrist 3 px from the right border
    assert _boxes(kpts)[1].tolist() == [True]
    assert _boxes(kpts, margin=0.02)[1].tolist() == [False]  # 2 % of 200 px = 4 px


def test_missing_keypoints_keep_the_body_box():
    kpts = _person(left=LEFT, right=RIGHT)
    for idx in (COCO_ARMS['left'][1], COCO_ARMS['right'][2]):  # left elbow, right wrist missing
        kpts[idx] = [0.0, 0.0, 0.0]  # COCO "not labelled" / pose score 0
    boxes, valid = _boxes(kpts)
    np.testing.assert_allclose(boxes, BODY)
    assert valid.tolist() == [False]
    low = _person(left=LEFT, score=0.2)  # below score_thr
    assert _boxes(low)[1].tolist() == [False] and _boxes(low, score_thr=0.1)[1].tolist() == [True]
    # an undetected shoulder is left out of the box instead of pulling it to (0, 0)
    no_shoulder = _person(left=LEFT)
    no_shoulder[COCO_ARMS['left'][0]] = [0.0, 0.0, 0.0]
    box, valid = _boxes(no_shoulder, scale=1.0, min_size=0.0)
    np.testing.assert_allclose(box[0], [120, 40, 130, 50], atol=1e-4)
    assert valid.tolist() == [True]


def test_minimum_size_and_clipping():
    # a vertical forearm (zero width) gets min_size x the body height (80 px): 0.25 -> 20 px
    kpts = _person(left=[(120, 30), (120, 40), (120, 60)])
    box, _ = _boxes(kpts, scale=1.5, min_size=0.25)
    np.testing.assert_allclose(box[0], [110, 22.5, 130, 67.5], atol=1e-4)
    # an arm at the image corner is clipped to [0, W] x [0, H]
    corner = _person(left=[(195, 95), (197, 97), (199, 99)])
    box, valid = _boxes(corner, scale=3.0, min_size=0.0)
    assert valid.tolist() == [True]
    assert box[0, 2] == W and box[0, 3] == H and box[0, 0] < 195


def test_several_people_and_none():
    kpts = np.stack([_person(left=LEFT), _person()])
    body = np.concatenate([BODY, BODY + 5])
    boxes, valid = _boxes(kpts, body)
    assert valid.tolist() == [True, False]
    np.testing.assert_allclose(boxes[1], body[1])
    empty, v = _boxes(np.zeros((0, 17, 3)), np.zeros((0, 4)))
    assert empty.shape == (0, 4) and v.shape == (0,)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match='COCO order'):
        qualifying_arms(np.zeros((1, 5, 3)))
    with pytest.raises(ValueError, match='keypoint rows'):
        arm_boxes(np.zeros((2, 4)), np.zeros((1, 17, 3)), np.zeros((2, 2), bool), (H, W))
    with pytest.raises(ValueError, match='scale'):
        arm_boxes(BODY, np.zeros((1, 17, 3)), np.zeros((1, 2), bool), (H, W), scale=0.5)
    with pytest.raises(ValueError, match='arms'):
        ArmProposals(arms='both')


# --- the transform inside mmaction2's pipeline ------------------------------------------------

def _results(kpts_rel: np.ndarray, body_rel: np.ndarray) -> dict:
    """What RawFrameDecode hands on: pixel boxes of the H x W frame, relative keypoints."""
    scale = np.array([W, H, W, H], dtype=np.float32)
    return dict(imgs=[np.zeros((H, W, 3), np.uint8) for _ in range(2)], img_shape=(H, W),
                modality='RGB', gt_bboxes=(body_rel * scale).astype(np.float32),
                proposals=(body_rel * scale).astype(np.float32),
                proposal_keypoints=kpts_rel.astype(np.float32), img_key='v,0902')


KPTS = np.stack([_person(left=LEFT, right=RIGHT), _person(right=RIGHT), _person()])
BODIES = np.array([[80, 20, 120, 100], [60, 20, 100, 100], [10, 10, 50, 90]]) / [W, H, W, H]


def _run(*steps: dict) -> dict:
    from mmaction.registry import TRANSFORMS

    results = _results(KPTS, BODIES)
    for step in steps:
        results = TRANSFORMS.build(step)(results)
    return results


ARM = dict(type='ArmProposals', scale=1.5, min_size=0.2)


def test_transform_adds_boxes_for_the_proposals():
    out = _run(ARM)
    assert out['arm_bboxes'].shape == (3, 4) and out['arm_bboxes'].dtype == np.float32
    np.testing.assert_array_equal(out['arm_body_bboxes'], out['proposals'])
    assert out['arm_valid'].tolist() == [True, True, False]
    np.testing.assert_allclose(out['arm_bboxes'][2], out['proposals'][2])
    direct, _ = _boxes(KPTS, BODIES * [W, H, W, H], scale=1.5, min_size=0.2)
    np.testing.assert_allclose(out['arm_bboxes'], direct, atol=1e-4)


def test_flipped_image_gives_the_flipped_arm_box():
    plain = _run(ARM)
    flipped = _run(dict(type='Flip', flip_ratio=1.0), ARM)
    assert flipped['flip']
    np.testing.assert_allclose(flipped['proposals'][:, [2, 0]], W - plain['proposals'][:, [0, 2]])
    expected = plain['arm_bboxes'].copy()
    expected[:, [0, 2]] = W - plain['arm_bboxes'][:, [2, 0]]
    np.testing.assert_allclose(flipped['arm_bboxes'], expected, atol=1e-4)
    assert flipped['arm_valid'].tolist() == plain['arm_valid'].tolist()


def test_resize_and_crop_move_the_arm_box_with_its_body_box():
    plain = _run(ARM)
    resized = _run(dict(type='Resize', scale=(-1, 50)), ARM)  # x 0.5
    np.testing.assert_allclose(resized['arm_bboxes'], plain['arm_bboxes'] * 0.5, atol=1e-4)
    np.random.seed(3)  # noqa: NPY002  (mmaction2's RandomCrop draws from the global RNG)
    cropped = _run(dict(type='RandomCrop', size=90), dict(type='Flip', flip_ratio=1.0), ARM)
    x0, y0 = cropped['crop_bbox'][:2]
    expected = plain['arm_bboxes'] - np.array([x0, y0, x0, y0], np.float32)
    expected = np.clip(expected, 0, 90)
    expected[:, [0, 2]] = 90 - expected[:, [2, 0]]
    # the arm box of a valid arm; the body-box fallback follows mmaction2's own box crop
    np.testing.assert_allclose(cropped['arm_bboxes'][:2], expected[:2], atol=1e-3)
    np.testing.assert_allclose(cropped['arm_bboxes'][2], cropped['proposals'][2])


def test_transform_errors_name_the_sample():
    from mmaction.registry import TRANSFORMS

    results = _results(KPTS, BODIES)
    del results['proposal_keypoints']
    with pytest.raises(KeyError, match="v,0902"):
        TRANSFORMS.build(ARM)(results)
    results = _results(KPTS[:2], BODIES)
    with pytest.raises(ValueError, match='3 proposals'):
        TRANSFORMS.build(ARM)(results)
