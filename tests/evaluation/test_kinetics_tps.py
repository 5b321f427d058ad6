"""Kinetics-TPS part-state score against a loop port of the scorer, and the fork difference."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmaction_plugins.evaluation import evaluate_tps, evaluate_tps_files
from tests.evaluation.reference import official_tps

PARTS = ['head', 'left_arm', 'right_arm', 'left_leg', 'right_leg']
STATES = ['bend', 'unbend', 'step_on', 'raise']


def _box(rng, x=None, y=None, size=60):
    x = rng.uniform(0, 300) if x is None else x
    y = rng.uniform(0, 300) if y is None else y
    return [round(x, 1), round(y, 1), round(x + size, 1), round(y + size * 1.5, 1)]


def random_tps(rng, n_videos=6):
    gt_vid, gt_part, pred_vid, pred_part = {}, {}, {}, {}
    for i in range(n_videos):
        vid = f'video_{i}'
        gt_vid[vid] = f'class{rng.integers(3)}'
        pred_vid[vid] = gt_vid[vid] if rng.random() < 0.7 else 'class9'
        gt_part[vid], pred_part[vid] = {}, {}
        for f in range(int(rng.integers(1, 5))):
            frame = f'img_{5 * f + 1:05d}.json'
            humans, preds = [], []
            for _ in range(int(rng.integers(0, 4))):
                hb = _box(rng, size=100)
                parts = {}
                for name in rng.choice(PARTS, size=int(rng.integers(0, 4)), replace=False):
                    parts[str(name)] = {'box': _box(rng, hb[0], hb[1], 20),
                                        'verb': str(rng.choice(STATES))}
                humans.append({'box': hb, 'parts': parts})
                if rng.random() < 0.8:
                    pb = [c + rng.normal(0, 8) for c in hb]
                    pparts = {}
                    for name, gp in parts.items():
                        if rng.random() < 0.2:
                            continue
                        k = int(rng.integers(1, 4))
                        boxes = [[c + rng.normal(0, 6) for c in gp['box']] for _ in range(k)]
                        verbs = [gp['verb'] if rng.random() < 0.6 else str(rng.choice(STATES))
                                 for _ in range(k)]
                        pparts[name] = {'box': boxes, 'verb': verbs}
                    preds.append({'box': pb, 'parts': pparts})
            rng.shuffle(preds)
            gt_part[vid][frame] = {'humans': humans}
            if rng.random() < 0.9:
                pred_part[vid][frame] = {'humans': preds}
    return gt_vid, gt_part, pred_vid, pred_part


@pytest.mark.parametrize('seed', range(15))
def test_matches_scorer_loop(seed):
    rng = np.random.default_rng(seed)
    gv, gp, pv, pp = random_tps(rng)
    res = evaluate_tps(gv, gp, pv, pp)
    area, pscs = official_tps(gv, gp, pv, pp)
    assert res.area == pytest.approx(area, abs=1e-12)
    assert list(res.psc.values()) == pytest.approx(pscs, abs=1e-12)


def _two_humans():
    a = {'box': [0, 0, 100, 200], 'parts': {'head': {'box': [30, 0, 70, 40], 'verb': 'raise'}}}
    b = {'box': [300, 0, 400, 200],
         'parts': {'head': {'box': [330, 0, 370, 40], 'verb': 'bend'}}}
    gt_part = {'v': {'img_00001.json': {'humans': [a, b]}}}
    # predictions listed in the opposite order, each part with two proposals
    pred = [{'box': [301, 1, 401, 201], 'parts': {'head': {'box': [[330, 0, 370, 40],
                                                                    [0, 0, 5, 5]],
                                                           'verb': ['bend', 'raise']}}},
            {'box': [1, 1, 101, 201], 'parts': {'head': {'box': [[30, 0, 70, 40], [0, 0, 5, 5]],
                                                         'verb': ['raise', 'bend']}}}]
    return {'v': 'jump'}, gt_part, {'v': 'jump'}, {'v': {'img_00001.json': {'humans': pred}}}


def test_fork_difference_human_indexing():
    """xiadingZ compares ground-truth human i with pred_humans[i] (the i-th *match*); the README
    (and Andy1621) use the matched prediction. Same input, different scores: we follow the
    latter."""
    gv, gp, pv, pp = _two_humans()
    res = evaluate_tps(gv, gp, pv, pp)
    assert res.psc['v'] == pytest.approx(0.5)  # each head: 1 correct of N_p = 2 proposals
    xiading_area, xiading_psc = official_tps(gv, gp, pv, pp, xiading_indexing=True)
    assert xiading_psc == [0.0]
    assert res.area == pytest.approx(official_tps(gv, gp, pv, pp)[0])
    assert res.area != pytest.approx(xiading_area)


def test_single_proposal_format_and_limits():
    gv, gp, pv, pp = _two_humans()
    for h in pp['v']['img_00001.json']['humans']:  # Andy1621's one-box-one-verb format
        h['parts']['head'] = {'box': h['parts']['head']['box'][0],
                              'verb': h['parts']['head']['verb'][0]}
    assert evaluate_tps(gv, gp, pv, pp).psc['v'] == 1.0
    pp['v']['img_00001.json']['humans'] *= 6
    with pytest.raises(ValueError, match='at most 10'):
        evaluate_tps(gv, gp, pv, pp)


def test_files_and_bad_input(tmp_path, caplog):
    gv, gp, pv, pp = _two_humans()
    paths = []
    for name, obj in zip(('gv', 'gp', 'pv', 'pp'), (gv, gp, pv, pp)):
        p = tmp_path / f'{name}.json'
        p.write_text(json.dumps(obj))
        paths.append(p)
    assert evaluate_tps_files(*paths).psc['v'] == pytest.approx(0.5)
    paths[3].write_text('{"v": ')
    with pytest.raises(ValueError, match=r'pp\.json:1: invalid JSON'):
        evaluate_tps_files(*paths)
    res = evaluate_tps({'v': 'jump', 'w': 'run'}, {**gp, 'w': {}}, pv, pp)
    assert res.psc['w'] == 1.0 and not res.video_correct['w']
    assert 'have no prediction' in caplog.text
