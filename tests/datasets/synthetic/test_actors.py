"""Stick-figure geometry: COCO-17 order, ground contact, postures, facing, boxes."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.datasets.synthetic.actors import COCO_KEYPOINTS, JOINT, person_boxes, skeleton
from tests.datasets.synthetic.conftest import make_actor


def test_coco17_order():
    assert COCO_KEYPOINTS == (
        'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
        'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
        'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
    assert [JOINT[k] for k in COCO_KEYPOINTS] == list(range(17))


def test_standing_figure_stands_on_the_ground():
    actor = make_actor(0, 100.0, ground_y=130.0, num_frames=3)
    j = skeleton(actor)
    assert j.shape == (3, 19, 3)
    ankles = j[:, [JOINT['left_ankle'], JOINT['right_ankle']], 1]
    np.testing.assert_allclose(ankles.max(axis=1), 130.0)
    assert (j[:, JOINT['head'], 1] < j[:, JOINT['left_hip'], 1]).all()
    assert (j[:, JOINT['left_hip'], 1] < j[:, JOINT['left_knee'], 1]).all()
    height = j[0, :, 1].max() - (j[0, JOINT['head'], 1] - 0.07 * actor.height)
    assert height == pytest.approx(actor.height, rel=0.15)


def test_hop_lifts_the_feet():
    actor = make_actor(0, 100.0, num_frames=2)
    actor.track.hop[1] = 0.2
    j = skeleton(actor)
    lift = j[0, JOINT['left_ankle'], 1] - j[1, JOINT['left_ankle'], 1]
    assert lift == pytest.approx(0.2 * actor.height)


@pytest.mark.parametrize('yaw, sign', [(0.0, 1), (np.pi, -1)])
def test_nose_points_where_the_actor_faces(yaw, sign):
    actor = make_actor(0, 100.0, num_frames=1)
    actor.track.yaw[:] = yaw
    j = skeleton(actor)
    assert np.sign(j[0, JOINT['nose'], 0] - j[0, JOINT['head'], 0]) == sign


def test_postures_change_the_box_shape():
    shapes = {}
    for posture in (0, 1, 2):
        actor = make_actor(0, 100.0, num_frames=1)
        actor.track.posture[:] = posture
        box = person_boxes(skeleton(actor), actor.height)[0]
        shapes[posture] = (box[3] - box[1]) / (box[2] - box[0])
    assert shapes[0] > shapes[1] > 1.0 > shapes[2]  # stand taller than crouch; lie is wide


def test_box_contains_every_joint():
    rng = np.random.default_rng(0)
    actor = make_actor(0, 100.0, num_frames=50)
    tr = actor.track
    tr.arm_a[:] = rng.uniform(0, np.pi, (50, 2))
    tr.arm_e[:] = rng.uniform(0, 2.2, (50, 2))
    tr.yaw[:] = rng.uniform(0, 2 * np.pi, 50)
    tr.posture[:] = rng.integers(0, 3, 50)
    tr.leg_amp[:] = 0.4
    tr.leg_phase[:] = rng.uniform(0, 2 * np.pi, 50)
    j = skeleton(actor)
    boxes = person_boxes(j, actor.height)
    assert (j[..., 0] >= boxes[:, None, 0]).all() and (j[..., 0] <= boxes[:, None, 2]).all()
    assert (j[..., 1] >= boxes[:, None, 1]).all() and (j[..., 1] <= boxes[:, None, 3]).all()
