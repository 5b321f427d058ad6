"""Frame detections of a STAD model on MultiSports-layout videos, in the scorers' layout."""

from __future__ import annotations

import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.analysis.synthetic_multisports import rawframes_reader
from mmaction_plugins.apis import (
    clip_pipeline,
    frame_detections,
    init_stad_model,
    predict_keyframes,
    predict_multisports,
)
from mmaction_plugins.datasets.proposals import load_proposals
from mmaction_plugins.evaluation import load_multisports_gt, subsample_multisports_gt
from tests.conftest import isolated_default_scope


def test_frame_detections_all_and_argmax():
    boxes = np.array([[0.0, 0.0, 0.5, 1.0], [0.5, 0.5, 1.0, 1.0]])
    scores = np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.9]], dtype=np.float32)
    rows = frame_detections(3, 7, boxes, scores, (100, 200), labels='all')
    assert rows.shape == (6, 8)
    np.testing.assert_array_equal(rows[:, 2], [0, 1, 2, 0, 1, 2])
    np.testing.assert_allclose(rows[:, 3], scores.reshape(-1))
    np.testing.assert_allclose(rows[0, 4:], [0, 0, 100, 100])
    np.testing.assert_allclose(rows[5, 4:], [100, 50, 200, 100])
    assert (rows[:, 0] == 3).all() and (rows[:, 1] == 7).all()
    top = frame_detections(3, 7, boxes, scores, (100, 200), labels='argmax')
    np.testing.assert_array_equal(top[:, 2], [1, 2])
    np.testing.assert_allclose(top[:, 3], [0.7, 0.9], rtol=1e-6)
    with pytest.raises(ValueError, match='labels'):
        frame_detections(0, 1, boxes, scores, (1, 1), labels='top3')
    with pytest.raises(ValueError, match='score rows'):
        frame_detections(0, 1, boxes[:1], scores, (1, 1))


@pytest.fixture(scope='module')
def tiny_model(synthetic_tiny):
    from mmengine.config import Config

    from mmaction_plugins.engine.runs import point_stad_config_at
    from mmaction_plugins.quickstart import ACTION_CONFIG

    root, _ = synthetic_tiny
    cfg = point_stad_config_at(Config.fromfile(ACTION_CONFIG), root, '/tmp/unused')
    torch.manual_seed(0)
    with isolated_default_scope():
        return init_stad_model(cfg, None)


def test_predict_multisports_frames_and_numbering(tiny_model, synthetic_tiny):
    root, _ = synthetic_tiny
    anno = osp.join(root, 'multisports', 'annotations')
    gt = load_multisports_gt(osp.join(anno, 'multisports_GT.pkl'))
    props = load_proposals(osp.join(anno, 'multisports_proposals_val.json'))
    key = gt['test_videos'][0][0]
    one = subsample_multisports_gt(gt, 1, videos=[key])
    read = rawframes_reader(osp.join(root, 'ava', 'rawframes'))
    done: list[int] = []
    dets = predict_multisports(tiny_model, one, read,
                               lambda k, f: props.get(f'{k}.mp4,{f:04d}'), stride=50,
                               progress=done.append)
    n = int(gt['nframes'][key])
    kept = list(range(1, n + 1, 50))
    assert done == [len(kept)]
    frames_with_people = [f for f in kept if len(props.get(f'{key}.mp4,{f:04d}', []))]
    assert sorted(set(dets[:, 1].astype(int))) == [(f - 1) // 50 + 1 for f in frames_with_people]
    n_labels = len(gt['labels'])
    # the scores are those of the in-memory predictor, MultiSports label c = column c + 1
    f = frames_with_people[-1]
    frames = read(key)
    ref = predict_keyframes(tiny_model, clip_pipeline(tiny_model.cfg), frames, [f - 1],
                            {f - 1: props[f'{key}.mp4,{f:04d}']}, 20)[f - 1]
    rows = dets[dets[:, 1] == (f - 1) // 50 + 1]
    assert len(rows) == len(ref[1]) * n_labels
    np.testing.assert_allclose(rows[:, 3], ref[1][:, 1:1 + n_labels].reshape(-1), atol=1e-5)
    h, w = gt['resolution'][key]
    np.testing.assert_allclose(rows[::n_labels, 4:], ref[0] * [w, h, w, h], rtol=1e-6)


def test_predict_multisports_checks_frame_count_and_columns(tiny_model, synthetic_tiny):
    root, _ = synthetic_tiny
    gt = load_multisports_gt(osp.join(root, 'multisports', 'annotations', 'multisports_GT.pkl'))
    with pytest.raises(ValueError, match='frames read'):
        predict_multisports(tiny_model, gt, lambda k: np.zeros((3, 8, 8, 3), np.uint8),
                            lambda k, f: None)
    with pytest.raises(ValueError, match='do not fit'):
        predict_multisports(tiny_model, gt, lambda k: None, lambda k, f: None, label_offset=5)


def test_rawframes_reader_names_the_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='no frames for video'):
        rawframes_reader(str(tmp_path))('sport/nothere')


