"""AVA predictions kept in memory: the result CSV is byte for byte what OfficialAVAMetric writes,
scores on video subsets, save / load, alignment checks; and the cross-fold class selection of the
arm merge (a fold's classes are chosen without its own ground truth)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mmaction_plugins.analysis.ava_predictions import (
    AVAPredictions,
    load_predictions,
    save_predictions,
    score_ava_predictions,
    write_ava_results,
)
from mmaction_plugins.analysis.merge_selection import cross_fold_merge, video_folds

P1, P2 = [0.1, 0.1, 0.4, 0.9], [0.6, 0.1, 0.9, 0.9]
VIDEOS = ['va', 'vb', 'vc', 'vd']
LABELS = {1: 'stand', 17: 'wave'}


def _preds(s1: tuple[float, float], s17: tuple[float, float], ids=(1, 17)) -> AVAPredictions:
    """Two persons per video (keyframe 902); scores of person 1 / 2 per class."""
    n = len(VIDEOS)
    cols = {1: s1, 17: s17}
    return AVAPredictions(
        video_ids=np.repeat(np.array(VIDEOS), 2), timestamps=np.full(2 * n, 902),
        boxes=np.tile(np.array([P1, P2]), (n, 1)),
        scores=np.tile(np.array([[cols[c][0] for c in ids], [cols[c][1] for c in ids]]), (n, 1)),
        class_ids=np.array(ids))


def _gt(path, wave_on: dict[str, int]) -> str:
    """Person 2 stands in every video; ``wave_on[video]`` (1 or 2) waves."""
    rows = []
    for v in VIDEOS:
        box = {1: P1, 2: P2}
        rows.append(f'{v},0902,{",".join(map(str, P2))},1,1\n')
        w = wave_on[v]
        rows.append(f'{v},0902,{",".join(map(str, box[w]))},17,{w - 1}\n')
    path.write_text(''.join(rows))
    return str(path)


def test_result_csv_is_what_official_ava_metric_writes(tmp_path):
    from mmaction.evaluation.functional.ava_utils import results2csv
    from mmaction.structures import bbox2result

    rng = np.random.default_rng(0)
    preds = _preds((0.9, 0.001), (0.3, 0.7))
    preds = preds.with_scores(rng.uniform(size=preds.scores.shape) * [[1, 0.004]])
    ours = tmp_path / 'ours.csv'
    write_ava_results(preds, ours)
    results = []
    for i in range(0, len(preds.video_ids), 2):
        scores = torch.as_tensor(np.concatenate([np.zeros((2, 1)), preds.scores[i:i + 2]], 1),
                                 dtype=torch.float32)
        results.append(dict(video_id=preds.video_ids[i], timestamp=int(preds.timestamps[i]),
                            outputs=bbox2result(torch.as_tensor(preds.boxes[i:i + 2]), scores,
                                                num_classes=3, thr=0.002)))
    theirs = tmp_path / 'theirs.csv'
    results2csv(results, str(theirs), [0, 1, 17])
    assert ours.read_text() == theirs.read_text() and ours.read_text()


def test_scores_on_video_subsets_save_load_and_alignment(tmp_path):
    gt = _gt(tmp_path / 'gt.csv', {v: 1 for v in VIDEOS})
    good = _preds((0.1, 0.9), (0.9, 0.1))
    ap = score_ava_predictions(good, gt, LABELS)
    assert ap == {1: 1.0, 17: 1.0}
    bad = _preds((0.1, 0.9), (0.1, 0.9))
    assert score_ava_predictions(bad, gt, LABELS)[17] < 1.0
    # the first two videos of 'bad' replaced by good scores: perfect on those two only
    mixed = bad.with_scores(np.where(np.isin(bad.video_ids, ['va', 'vb'])[:, None],
                                     good.scores, bad.scores))
    assert score_ava_predictions(mixed, gt, LABELS, videos=['va', 'vb'])[17] == 1.0
    assert score_ava_predictions(mixed, gt, LABELS, videos=['vc', 'vd'])[17] < 1.0
    path = tmp_path / 'p.npz'
    save_predictions(mixed, path)
    back = load_predictions(path)
    back.check_same_boxes(mixed)
    assert np.array_equal(back.scores, mixed.scores) and back.class_ids.tolist() == [1, 17]
    shifted = mixed.with_scores(mixed.scores)
    shifted.boxes = shifted.boxes + 0.01
    with pytest.raises(ValueError, match='row 0'):
        mixed.check_same_boxes(shifted)
    with pytest.raises(ValueError, match='inconsistent'):
        AVAPredictions(np.array(['a']), np.array([902]), np.zeros((1, 4)), np.zeros((1, 3)),
                       np.array([1, 2]))


def test_video_folds():
    assert video_folds(['d', 'a', 'c', 'b', 'a']) == [['a', 'c'], ['b', 'd']]
    assert video_folds(['a'], 3) == [['a']]
    with pytest.raises(ValueError, match='folds'):
        video_folds(['a'], 0)


def test_cross_fold_selection_ignores_the_folds_own_ground_truth(tmp_path):
    main = _preds((0.1, 0.9), (0.2, 0.8))  # main model: wave on the wrong person
    arm = _preds((0.0, 0.0), (0.9, 0.1), ids=(17,))  # arm model: on person 1
    everywhere = _gt(tmp_path / 'gt1.csv', {v: 1 for v in VIDEOS})
    out = cross_fold_merge(main, arm, everywhere, LABELS, None, [17])
    assert out.folds == [['va', 'vc'], ['vb', 'vd']] and out.selected == [[17], [17]]
    assert score_ava_predictions(out.merged, everywhere, LABELS)[17] == 1.0
    np.testing.assert_array_equal(out.merged.scores[:, 0], main.scores[:, 0])  # class 1 kept
    # in fold 0 (va, vc) person 2 waves instead: merging hurts there. Fold 1's classes are
    # chosen on fold 0 (not merged), fold 0's on fold 1 (still merged: its own truth unused)
    split = _gt(tmp_path / 'gt2.csv', {'va': 2, 'vc': 2, 'vb': 1, 'vd': 1})
    out = cross_fold_merge(main, arm, split, LABELS, None, [17])
    assert out.selected == [[17], []]
    rows0 = np.isin(main.video_ids, ['va', 'vc'])
    np.testing.assert_allclose(out.merged.scores[rows0, 1], 0.5 * main.scores[rows0, 1]
                               + 0.5 * arm.scores[rows0, 0])
    np.testing.assert_array_equal(out.merged.scores[~rows0], main.scores[~rows0])
    same = cross_fold_merge(main, arm, split, LABELS, None, [17], selection='same')
    assert same.selected[0] == same.selected[1]  # one choice on all videos
    with pytest.raises(ValueError, match='selection'):
        cross_fold_merge(main, arm, split, LABELS, None, [17], selection='test')
