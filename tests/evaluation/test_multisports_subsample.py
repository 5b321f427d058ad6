"""MultiSports ground truth at a lower frame rate, and per-class video AP at many thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.evaluation import (
    frame_map,
    kept_frames,
    subsample_multisports_gt,
    video_ap_per_class,
)
from mmaction_plugins.evaluation.multisports import video_ap_per_class_thresholds
from tests.evaluation.test_multisports import random_frame_dets, random_gt, random_video_dets


def test_kept_frames():
    np.testing.assert_array_equal(kept_frames(10, 3), [1, 4, 7, 10])
    np.testing.assert_array_equal(kept_frames(9, 3), [1, 4, 7])
    np.testing.assert_array_equal(kept_frames(3, 1), [1, 2, 3])
    with pytest.raises(ValueError, match='stride'):
        kept_frames(3, 0)


def test_stride_one_is_the_same_evaluation():
    rng = np.random.default_rng(0)
    gt = random_gt(rng)
    dets = random_frame_dets(rng, gt)
    one = subsample_multisports_gt(gt, 1)
    assert one['nframes'] == gt['nframes']
    assert frame_map(one, dets) == frame_map(gt, dets)


def test_tubes_keep_their_sampled_frames_renumbered():
    tube = np.array([[f, f, 0, f + 5, 5] for f in range(3, 12)], dtype=np.float32)  # 3..11
    short = np.array([[6, 0, 0, 1, 1], [7, 0, 0, 1, 1]], dtype=np.float32)  # no kept frame
    gt = {'labels': ['a', 'b'], 'gttubes': {'s/v': {0: [tube], 1: [short]}, 's/w': {}},
          'nframes': {'s/v': 13, 's/w': 4}, 'test_videos': [['s/v', 's/w']],
          'train_videos': [[]], 'resolution': {'s/v': (10, 20), 's/w': (10, 20)}}
    sub = subsample_multisports_gt(gt, 4)
    assert sub['nframes'] == {'s/v': 4, 's/w': 1}  # frames 1, 5, 9, 13 and 1
    (t,) = sub['gttubes']['s/v'][0]
    np.testing.assert_array_equal(t[:, 0], [2, 3])  # frames 5 and 9
    np.testing.assert_array_equal(t[:, 1], [5, 9])  # their boxes
    assert t.dtype == np.float32
    assert 1 not in sub['gttubes']['s/v']
    assert gt['gttubes']['s/v'][0][0].shape == (9, 5)  # input untouched
    only_w = subsample_multisports_gt(gt, 2, videos=['s/w'])
    assert only_w['test_videos'] == [['s/w']] and list(only_w['gttubes']) == ['s/w']
    with pytest.raises(ValueError, match='not test videos'):
        subsample_multisports_gt(gt, 2, videos=['s/x'])
    with pytest.raises(ValueError, match='stride'):
        subsample_multisports_gt(gt, 0)


@pytest.mark.parametrize('seed', range(3))
def test_per_class_video_ap_at_many_thresholds_matches_single_calls(seed):
    rng = np.random.default_rng(200 + seed)
    gt = random_gt(rng)
    dets = random_video_dets(rng, gt)
    many = video_ap_per_class_thresholds(gt, dets, [0.2, 0.5, 0.7])
    for thr, per_class in many.items():
        assert per_class == pytest.approx(video_ap_per_class(gt, dets, thr), abs=1e-12)
