"""Greedy IoU track ids."""

from __future__ import annotations

import numpy as np

from mmaction_plugins.apis import assign_track_ids
from mmaction_plugins.apis.tracking import box_iou


def test_box_iou():
    a = np.array([[0, 0, 2, 2], [0, 0, 1, 1]])
    b = np.array([[1, 1, 3, 3], [0, 0, 0, 0]])
    np.testing.assert_allclose(box_iou(a, b), [[1 / 7, 0], [0, 0]])
    assert box_iou(np.zeros((0, 4)), b).shape == (0, 2)


def test_two_people_keep_their_ids_in_any_order():
    frames = []
    for t in range(10):
        left = [0.1 + 0.01 * t, 0.2, 0.3 + 0.01 * t, 0.9, 0.9]
        right = [0.6 - 0.01 * t, 0.2, 0.8 - 0.01 * t, 0.9, 0.8]
        frames.append(np.array([left, right] if t % 2 else [right, left]))
    ids = assign_track_ids(frames)
    for t, f in enumerate(ids):
        by_x = dict(zip(frames[t][:, 0] < 0.45, f.tolist()))
        assert by_x[True] == 1 and by_x[False] == 0  # frame 0 lists the right person first


def test_gap_new_person_and_empty_frames():
    p = np.array([[0.1, 0.1, 0.3, 0.5]])
    q = np.array([[0.6, 0.1, 0.8, 0.5]])
    seq = [p, np.zeros((0, 4)), p, np.zeros((0, 5)), *[np.zeros((0, 4))] * 6, p,
           np.concatenate([p, q])]
    ids = assign_track_ids(seq, max_gap=5)
    assert ids[0].tolist() == [0] and ids[1].tolist() == [] and ids[2].tolist() == [0]
    assert ids[10].tolist() == [1]  # unseen for 8 frames > max_gap: a new track
    assert ids[11].tolist() == [1, 2]


def test_one_box_per_track_per_frame():
    p = np.array([[0.1, 0.1, 0.3, 0.5]])
    ids = assign_track_ids([p, np.concatenate([p, p + 0.01])])
    assert ids[1].tolist() == [0, 1]
