"""Ground-truth rules on hand-built scenes: each class fires exactly when its rule holds."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.datasets.synthetic.classes import class_index
from mmaction_plugins.datasets.synthetic.labels import (
    CONTEXT_GAP,
    annotate,
    keypoint_visibility,
    true_runs,
)
from mmaction_plugins.datasets.synthetic.scene import SceneObject
from tests.datasets.synthetic.conftest import make_actor, make_scene


def _lab(ann, actor: int, name: str) -> np.ndarray:
    return ann.labels[actor, :, class_index(name)]


@pytest.mark.parametrize('speed, walk, run', [(0.0, False, False), (0.5, True, False),
                                              (1.5, False, True)])
def test_walk_and_run_by_ground_speed(speed, walk, run):
    actor = make_actor(0, 40.0, num_frames=90)
    actor.track.x[:] = 40.0 + speed * actor.height / 30 * np.arange(90)
    ann = annotate(make_scene([actor], width=400))
    assert _lab(ann, 0, 'walk')[45] == walk
    assert _lab(ann, 0, 'run')[45] == run
    assert _lab(ann, 0, 'stand').all()  # the posture label is always there when visible


@pytest.mark.parametrize('where, expected', [('beside', True), ('far', False), ('inside', False),
                                             ('within_gap', False), ('other_lane', False)])
def test_context_object_must_be_beside_the_box_not_in_it(where, expected):
    actor = make_actor(0, 80.0, num_frames=30)
    box = annotate(make_scene([actor])).boxes[0, 0]
    radius = SceneObject.size('ball', actor.height)[0] / 2
    # the context region reaches half the actor's height beyond the box
    x = {'beside': box[2] + CONTEXT_GAP + radius + 0.5,
         'far': box[2] + 0.6 * (box[3] - box[1]) + radius, 'inside': 80.0,
         'within_gap': box[2] + CONTEXT_GAP + radius - 0.5,
         'other_lane': box[2] + CONTEXT_GAP + radius + 0.5}[where]
    lane = actor.ground_y - (0.3 * actor.height if where == 'other_lane' else 0.0)
    ball = SceneObject('ball', float(x), lane, actor.height, (0, 0, 255))
    ann = annotate(make_scene([actor], [ball]))
    assert _lab(ann, 0, 'kick ball').all() == expected
    assert not _lab(ann, 0, 'kick ball').any() or expected
    assert not _lab(ann, 0, 'open door').any()


def _pair(yaw_a: float, yaw_b: float, lane_b: float = 120.0):
    a, b = make_actor(0, 80.0, num_frames=60), make_actor(1, 0.0, ground_y=lane_b, num_frames=60)
    b.track.x[:] = 80.0 + 1.0 * a.height
    a.track.yaw[:], b.track.yaw[:] = yaw_a, yaw_b
    return annotate(make_scene([a, b], width=256))


def test_talk_needs_two_still_actors_facing_each_other():
    assert _lab(_pair(0.0, np.pi), 0, 'talk').all()
    assert _lab(_pair(0.0, np.pi), 1, 'talk').all()
    assert not _lab(_pair(np.pi, np.pi), 0, 'talk').any()  # a turns its back
    assert not _lab(_pair(0.0, np.pi, lane_b=100.0), 0, 'talk').any()  # different depth lanes


def test_approach_and_chase_go_to_the_actor_behind():
    a, b = make_actor(0, 30.0, num_frames=60), make_actor(1, 0.0, num_frames=60)
    b.track.x[:] = 30.0 + 3 * a.height
    a.track.x[:] = 30.0 + 0.5 * a.height / 30 * np.arange(60)
    ann = annotate(make_scene([a, b], width=400))
    assert _lab(ann, 0, 'approach')[30] and not _lab(ann, 1, 'approach').any()
    run = 1.2 * a.height / 30 * np.arange(60)
    a.track.x[:] = 30.0 + run
    b.track.x[:] = 30.0 + 1.5 * a.height + run
    ann = annotate(make_scene([a, b], width=600))
    assert _lab(ann, 0, 'chase')[30] and not _lab(ann, 1, 'chase').any()


@pytest.mark.parametrize('gap_s, expected', [(4.0, True), (2.0, False)])
def test_return_after_a_long_absence(gap_s, expected):
    n = 300
    actor = make_actor(0, 80.0, num_frames=n)
    gap = int(gap_s * 30)
    actor.track.x[60:60 + gap] = -500.0  # far out of view
    ann = annotate(make_scene([actor]))
    assert true_runs(ann.visible[0]) == [(0, 60), (60 + gap, n)]
    ret = _lab(ann, 0, 'return')
    assert ret.any() == expected
    if expected:
        assert ret[60 + gap] and not ret[:60 + gap].any() and not ret[60 + gap + 4 * 30 + 1:].any()


def test_wait_after_the_cue_and_its_exclusions():
    still, mover = make_actor(0, 60.0, num_frames=300), make_actor(1, 60.0, ground_y=100.0,
                                                                    num_frames=300)
    mover.track.x[:] = 30.0 + 0.5 * mover.height / 30 * np.arange(300)
    ann = annotate(make_scene([still, mover], cue_frame=60, width=400))
    wait = _lab(ann, 0, 'wait')
    assert not wait[:60].any() and wait[60:60 + 8 * 30 + 1].all()
    assert not _lab(ann, 1, 'wait').any()
    assert ann.excluded[60 - 33] and ann.excluded[60 + 66] and not ann.excluded[60 + 67]
    assert not annotate(make_scene([still])).excluded.any()


def test_nothing_is_labelled_out_of_view():
    actor = make_actor(0, -300.0, num_frames=30)
    ann = annotate(make_scene([actor]))
    assert not ann.visible.any() and not ann.labels.any()


def test_occluded_keypoints_are_marked():
    far, near = make_actor(0, 80.0, ground_y=110.0, num_frames=1), make_actor(1, 80.0,
                                                                             num_frames=1)
    scene = make_scene([far, near])
    ann = annotate(scene)
    vis = keypoint_visibility(scene, ann, 0)
    assert (vis[0] == 1).sum() >= 3  # the nearer actor hides part of the farther one
    assert (vis[1] >= 1).all()
