"""Cross-fitted AP-weighted ensembling: each fold's weights come from the *other* folds' APs, the
output covers every box once, and a model that is good only where it is scored gets no credit
from those videos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmaction_plugins.evaluation import evaluate_ava
from mmaction_plugins.evaluation.ensemble_crossfit import crossfit_ensemble, video_folds

LABELS = {1: 'a', 2: 'b'}


def _write(path, rows):
    path.write_text(''.join(','.join(map(str, r)) + '\n' for r in rows))
    return path


def _case(tmp_path):
    """Four videos (folds: v0, v2 -> 0; v1, v3 -> 1), one box per keyframe, 6 keyframes each.
    GT: class 1 on even keyframes, class 2 on odd ones. Model A scores class 1 right on fold-0
    videos and backwards on fold-1 videos; model B is backwards on fold 0 and right on fold 1.
    Both are right on class 2 everywhere."""
    gt, a, b = [], [], []
    box = (0.1, 0.1, 0.5, 0.9)
    for v in range(4):
        for t in range(902, 908):
            label = 1 if t % 2 == 0 else 2
            gt.append((f'v{v}', t, *box, label, 0))
            right = 0.9 if label == 1 else 0.1
            wrong = 1.0 - right
            a.append((f'v{v}', t, *box, 1, right if v % 2 == 0 else wrong))
            b.append((f'v{v}', t, *box, 1, wrong if v % 2 == 0 else right))
            for rows in (a, b):
                rows.append((f'v{v}', t, *box, 2, 0.9 if label == 2 else 0.1))
    return (_write(tmp_path / 'gt.csv', gt), _write(tmp_path / 'a.csv', a),
            _write(tmp_path / 'b.csv', b))


def test_video_folds():
    assert video_folds(['c', 'a', 'b', 'a'], 2) == {'a': 0, 'b': 1, 'c': 0}
    with pytest.raises(ValueError, match='folds'):
        video_folds(['a', 'b'], 1)
    with pytest.raises(ValueError, match='cannot make 3 folds'):
        video_folds(['a', 'b'], 3)


def test_weights_come_from_the_other_folds(tmp_path):
    gt, a, b = _case(tmp_path)
    out = tmp_path / 'ens.csv'
    rep = crossfit_ensemble([a, b], gt, LABELS, out, folds=2)
    assert rep['folds']['0']['videos'] == ['v0', 'v2']
    for fold, other in (('0', ['v1', 'v3']), ('1', ['v0', 'v2'])):
        # the APs used for fold f are each model's APs on the other fold's videos
        for m, path in enumerate((a, b)):
            rows = [ln for ln in path.read_text().splitlines() if ln.split(',')[0] in other]
            gt_rows = [ln for ln in gt.read_text().splitlines() if ln.split(',')[0] in other]
            (tmp_path / 'd.csv').write_text('\n'.join(rows) + '\n')
            (tmp_path / 'g.csv').write_text('\n'.join(gt_rows) + '\n')
            ref = evaluate_ava(tmp_path / 'g.csv', tmp_path / 'd.csv', LABELS)
            assert rep['folds'][fold]['aps'][m]['1'] == pytest.approx(ref.per_class_id[1])
        w = rep['folds'][fold]['weights']
        assert sum(w['1']) == pytest.approx(1.0) and sum(w['2']) == pytest.approx(1.0)
        assert w['2'] == pytest.approx([0.5, 0.5])  # equal APs on class 2
    # class 1: on fold 0 (scored), the weights favour B — the model right on fold 1 — and the
    # reverse on fold 1: a model's good videos never vote for its own weight
    assert rep['folds']['0']['weights']['1'][1] > rep['folds']['0']['weights']['1'][0]
    assert rep['folds']['1']['weights']['1'][0] > rep['folds']['1']['weights']['1'][1]
    # every box of every video once, both classes
    lines = out.read_text().splitlines()
    assert len(lines) == 4 * 6 * 2
    keys = {tuple(ln.split(',')[:2]) + (ln.split(',')[6],) for ln in lines}
    assert len(keys) == len(lines)
    # so the cross-fitted ensemble is penalised on class 1 compared with in-sample fitting
    res = evaluate_ava(gt, out, LABELS)
    assert res.per_class['b'] == pytest.approx(1.0)
    assert res.per_class['a'] < 1.0
    saved = json.loads((tmp_path / 'ens.csv.weights.json').read_text())
    assert saved['folds']['1']['weights'] == rep['folds']['1']['weights']
    np.testing.assert_allclose(saved['folds']['0']['aps'][0]['2'], 1.0)
