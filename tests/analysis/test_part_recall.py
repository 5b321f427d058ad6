"""part_box_recall: a part counts as hit only through the box of the *same* part name at
IoU >= 0.5 on a matched person — so permuted or left/right-swapped part names score 0."""

from __future__ import annotations

import math

import numpy as np

from mmaction_plugins.analysis.part_recall import part_box_recall
from mmaction_plugins.datasets.person_parts_file import PersonParts
from mmaction_plugins.datasets.tps import TPSFrame, TPSPerson, TPSVideo

VOCAB = ('head', 'left_arm', 'right_arm')
W, H = 100, 50


def _video():
    person = TPSPerson(person_id=0, box=np.array([10., 5., 40., 45.]),
                       part_boxes=np.array([[20., 5., 30., 15.], [10., 15., 18., 30.],
                                            [32., 15., 40., 30.]]),
                       part_states=np.array([0, 1, -1]))  # right_arm not annotated
    return TPSVideo(video_id='v', category='c', frames_dir='v', height=H, width=W, num_frames=2,
                    frames=[TPSFrame(frame=1, persons=[person])], source='v.json')


def _file(part_rows, person=(10., 5., 40., 45.)):
    rel = np.array([W, H, W, H], dtype=np.float64)
    boxes = np.array([[*(np.array(person) / rel), 1.0]])
    parts = np.array([[[*(np.array(b[:4]) / rel), b[4]] for b in part_rows]])
    return PersonParts(boxes={'v,0001': boxes}, parts={'v,0001': parts},
                       part_names=('head', 'left_arm', 'right_arm'))


def test_same_name_boxes_hit_and_swapped_names_miss():
    video = _video()
    exact = [(20, 5, 30, 15, .9), (10, 15, 18, 30, .8), (32, 15, 40, 30, .7)]
    r = part_box_recall(_file(exact), [video], VOCAB)
    assert r['head'] == 1.0 and r['left_arm'] == 1.0 and math.isnan(r['right_arm'])
    assert r['all'] == 1.0
    swapped = [exact[0], exact[2], exact[1]]  # left/right exchanged
    r = part_box_recall(_file(swapped), [video], VOCAB)
    assert (r['head'], r['left_arm'], r['all']) == (1.0, 0.0, 0.5)
    undetected = [exact[0], (0, 0, 0, 0, 0), exact[2]]
    assert part_box_recall(_file(undetected), [video], VOCAB)['left_arm'] == 0.0


def test_unmatched_person_or_missing_frame_count_as_misses():
    video = _video()
    exact = [(20, 5, 30, 15, .9), (10, 15, 18, 30, .8), (32, 15, 40, 30, .7)]
    far = _file(exact, person=(60., 5., 90., 45.))  # person IoU < 0.5
    assert part_box_recall(far, [video], VOCAB)['all'] == 0.0
    empty = PersonParts(boxes={}, parts={}, part_names=('head', 'left_arm', 'right_arm'))
    assert part_box_recall(empty, [video], VOCAB)['all'] == 0.0
