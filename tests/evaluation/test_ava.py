"""AVA frame-mAP: golden fixture, property tests against the official pipeline, bad input."""

from __future__ import annotations

import json
import math
import os.path as osp
import sys

import numpy as np
import pytest

from mmaction_plugins.evaluation import evaluate_ava
from mmaction_plugins.evaluation.ava_csv import read_ava_csv
from tests.conftest import REPO, needs_shared, run_tool
from tests.evaluation.reference import official_ava

LABEL_MAP = {1: 'walk', 2: 'run', 4: 'sit', 5: 'talk'}  # id 3 missing: never evaluated


def _write_map(tmp_path, lm=LABEL_MAP, pbtxt=True):
    p = tmp_path / ('map.pbtxt' if pbtxt else 'map.txt')
    if pbtxt:
        p.write_text(''.join(f'item {{\n  name: "{n}"\n  id: {i}\n}}\n' for i, n in lm.items()))
    else:
        p.write_text(''.join(f'{i}: {n}\n' for i, n in lm.items()))
    return p


def _fmt(x):
    return f'{x:.3f}'


def _random_case(rng, tmp_path, n_frames=12, max_det=80, quant=20, seven_col_gt=False,
                 mixed_det=False):
    """GT and detections with ties (scores on a grid of ``quant`` values), capacity overflow,
    exclusions, unknown classes, invalid boxes and keyframes without ground truth."""
    frames = [(f'vid{rng.integers(3)}', int(900 + rng.integers(40))) for _ in range(n_frames)]
    frames = list(dict.fromkeys(frames))
    gt_rows, det_rows = [], []
    for vid, ts in frames:
        n_persons = int(rng.integers(0, 5))
        persons = []
        for pid in range(n_persons):
            x1, y1 = rng.uniform(0, 0.6, 2)
            w, h = rng.uniform(0.1, 0.4, 2)
            box = [x1, y1, min(x1 + w, 1.0), min(y1 + h, 1.0)]
            persons.append(box)
            for a in rng.choice([1, 2, 3, 4, 5, 6], size=int(rng.integers(1, 3)), replace=False):
                gt_rows.append([vid, f'{ts:04d}', *map(_fmt, box), str(a), str(pid)])
        n_det = int(rng.integers(0, max_det))
        for _ in range(n_det):
            if persons and rng.random() < 0.7:
                base = np.array(persons[rng.integers(len(persons))])
                box = np.clip(base + rng.normal(0, 0.03, 4), 0, 1)
            else:
                x1, y1 = rng.uniform(0, 0.7, 2)
                box = np.array([x1, y1, x1 + rng.uniform(0, 0.3), y1 + rng.uniform(0, 0.3)])
            if rng.random() < 0.03:
                box[2] = box[0]  # invalid (empty) box
            a = int(rng.choice([1, 2, 3, 4, 5, 6]))
            s = float(rng.integers(1, quant + 1)) / quant
            det_rows.append([vid, f'{ts:04d}', *map(_fmt, box), str(a), _fmt(s)])
    # keyframes without ground truth
    for _ in range(int(rng.integers(0, 3))):
        vid, ts = f'vid{rng.integers(3)}', int(2000 + rng.integers(5))
        det_rows.append([vid, str(ts), '0.1', '0.1', '0.5', '0.5', '1', _fmt(rng.random())])
    order = rng.permutation(len(det_rows))
    det_rows = [det_rows[i] for i in order]
    if not gt_rows:
        gt_rows.append(['vid0', '0900', '0.1', '0.1', '0.4', '0.4', '1', '0'])
    if not det_rows:
        det_rows.append(['vid0', '0900', '0.1', '0.1', '0.4', '0.4', '1', '0.5'])
    if seven_col_gt:  # no person id: every ground-truth score is 1.0 (heap order matters)
        gt_rows = [r[:7] for r in gt_rows]
    if mixed_det:  # a 7-column detection (score 1.0) among 8-column ones
        det_rows[0] = det_rows[0][:7]
    gt = tmp_path / 'gt.csv'
    det = tmp_path / 'det.csv'
    gt.write_text(''.join(','.join(r) + '\n' for r in gt_rows))
    det.write_text(''.join(','.join(r) + '\n' for r in det_rows))
    excl = tmp_path / 'excl.csv'
    chosen = [frames[i] for i in rng.choice(len(frames), size=min(2, len(frames)), replace=False)]
    excl.write_text(''.join(f'{v},{t}\n' for v, t in chosen))
    return gt, det, excl


def _assert_same(res, ref_ap, ref_map):
    for cid in LABEL_MAP:
        ours = res.per_class_id[cid]
        ref = ref_ap[cid - 1]
        if math.isnan(ref):
            assert ours is None
        else:
            assert ours == pytest.approx(ref, abs=1e-12)
    if math.isnan(ref_map):
        assert math.isnan(res.mAP)
    else:
        assert res.mAP == pytest.approx(ref_map, abs=1e-12)


@pytest.mark.parametrize('seed', range(30))
def test_matches_official_pipeline(tmp_path, seed):
    rng = np.random.default_rng(seed)
    gt, det, excl = _random_case(rng, tmp_path, quant=int(rng.choice([5, 20, 1000])),
                                 seven_col_gt=seed % 4 == 0, mixed_det=seed % 5 == 1)
    lm = _write_map(tmp_path, pbtxt=bool(seed % 2))
    use_excl = seed % 3 != 0
    res = evaluate_ava(gt, det, lm, excl if use_excl else None)
    ref_ap, ref_map = official_ava(gt, det, LABEL_MAP, excl if use_excl else None)
    _assert_same(res, ref_ap, ref_map)


def test_capacity_tie_at_boundary_follows_the_heap(tmp_path):
    """57 detections of one keyframe, the 50th to 52nd scores tie: the official heap rejects a
    late equal score, so *which* tied boxes survive depends on arrival order."""
    gt = tmp_path / 'gt.csv'
    gt.write_text('v,0902,0.1,0.1,0.5,0.5,1,0\nv,0902,0.6,0.6,0.9,0.9,1,1\n')
    rows = [f'v,0902,0.8,0.0,0.9,0.05,1,{0.9 - i * 0.001:.3f}' for i in range(49)]
    rows.append('v,0902,0.0,0.0,0.05,0.05,2,0.100')    # tied, arrives early: kept
    rows += [f'v,0902,0.7,0.0,0.75,0.05,1,{0.01:.3f}' for _ in range(5)]  # low scores
    rows.append('v,0902,0.1,0.1,0.5,0.5,1,0.100')      # tied, arrives when full: rejected
    rows.append('v,0902,0.6,0.6,0.9,0.9,1,0.100')      # same
    det = tmp_path / 'det.csv'
    det.write_text('\n'.join(rows) + '\n')
    lm = _write_map(tmp_path, {1: 'a', 2: 'b'})
    res = evaluate_ava(gt, det, lm)
    ref_ap, ref_map = official_ava(gt, det, {1: 'a', 2: 'b'})
    assert res.per_class_id[1] == pytest.approx(ref_ap[0], abs=1e-12)
    # the two true positives arrive when the heap is full with a tied minimum: rejected
    assert res.per_class_id[1] == 0.0
    assert res.stats['det']['over_capacity'] == 7
    kept = read_ava_csv(det, frozenset({1, 2}), capacity=50)
    assert kept.labels.size == 50 and (kept.labels == 2).sum() == 1


def test_equal_scores_rank_like_official(tmp_path):
    """All scores equal: the official rank is np.argsort(scores)[::-1] over the concatenation."""
    rng = np.random.default_rng(7)
    gt_rows, det_rows = [], []
    for f in range(20):
        box = rng.uniform(0, 0.5, 2)
        b = [box[0], box[1], box[0] + 0.3, box[1] + 0.3]
        gt_rows.append(f'v,{1000 + f},' + ','.join(map(_fmt, b)) + ',1,0')
        for k in range(3):
            bb = np.array(b) + (0 if k == f % 3 else 0.2)
            det_rows.append(f'v,{1000 + f},' + ','.join(map(_fmt, np.clip(bb, 0, 1))) + ',1,0.5')
    (tmp_path / 'gt.csv').write_text('\n'.join(gt_rows) + '\n')
    (tmp_path / 'det.csv').write_text('\n'.join(det_rows) + '\n')
    lm = _write_map(tmp_path, {1: 'a'})
    res = evaluate_ava(tmp_path / 'gt.csv', tmp_path / 'det.csv', lm)
    ref_ap, _ = official_ava(tmp_path / 'gt.csv', tmp_path / 'det.csv', {1: 'a'})
    assert res.per_class_id[1] == pytest.approx(ref_ap[0], abs=1e-12)
    assert 0 < res.per_class_id[1] < 1


def test_unannotated_keyframes_are_false_positives_by_default(tmp_path):
    gt = tmp_path / 'gt.csv'
    gt.write_text('v,0902,0.1,0.1,0.5,0.5,1,0\n')
    det = tmp_path / 'det.csv'
    det.write_text('w,0902,0.1,0.1,0.5,0.5,1,0.9\nv,0902,0.1,0.1,0.5,0.5,1,0.8\n')
    lm = _write_map(tmp_path, {1: 'a'})
    official = evaluate_ava(gt, det, lm)
    assert official.per_class_id[1] == pytest.approx(0.5)
    assert official.stats['eval']['det_on_unannotated_keyframes'] == 1
    assert official_ava(gt, det, {1: 'a'})[1] == pytest.approx(0.5)
    assert evaluate_ava(gt, det, lm, ignore_unannotated=True).per_class_id[1] == 1.0


def test_class_without_gt_is_none_and_class_without_dets_is_zero(tmp_path):
    gt = tmp_path / 'gt.csv'
    gt.write_text('v,0902,0.1,0.1,0.5,0.5,1,0\nv,0902,0.1,0.1,0.5,0.5,2,0\n')
    det = tmp_path / 'det.csv'
    det.write_text('v,0902,0.1,0.1,0.5,0.5,1,0.9\nv,0902,0.1,0.1,0.5,0.5,4,0.9\n')
    res = evaluate_ava(gt, det, _write_map(tmp_path))
    assert res.per_class == {'walk': 1.0, 'run': 0.0, 'sit': None, 'talk': None}
    assert res.mAP == 0.5
    assert res.to_json() == {'mAP': 0.5, 'per_class': res.per_class}


def test_unknown_class_and_out_of_range_are_counted(tmp_path, caplog):
    gt = tmp_path / 'gt.csv'
    gt.write_text('v,0902,0.1,0.1,0.5,0.5,1,0\n')
    det = tmp_path / 'det.csv'
    det.write_text('v,0902,0.1,0.1,1.5,0.5,1,0.9\nv,0902,0.1,0.1,0.5,0.5,77,0.9\n')
    res = evaluate_ava(gt, det, _write_map(tmp_path))
    assert res.stats['det']['unknown_class'] == 1
    assert res.stats['det']['out_of_range'] == 1
    assert 'not in the label map' in caplog.text and 'outside [0, 1]' in caplog.text


@pytest.mark.parametrize('content, match', [
    ('v,0902,0.1,0.1,0.5,0.5,1,0.9\nv,0902,0.1,0.1,0.5\n', r'det\.csv:2: expected 7 or 8'),
    ('v,0902,0.1,0.1,0.5,0.5,1,0.9\nv,0902,0.1,x,0.5,0.5,1,0.9\n', r'det\.csv:2: y1 is not'),
    ('v,0902,0.1,0.1,0.5,0.5,1,0.9\nv,09a2,0.1,0.1,0.5,0.5,1,0.9\n', r'det\.csv:2: timestamp'),
    ('v,0902,0.1,0.1,0.5,0.5,1.5,0.9\n', r'det\.csv:1: action_id'),
    ('v,0902,0.1,0.1,0.5,0.5,1,nan\n', r'det\.csv:1: score must be finite'),
    ('', r'det\.csv: empty file'),
])
def test_bad_detection_rows_name_file_and_line(tmp_path, content, match):
    gt = tmp_path / 'gt.csv'
    gt.write_text('v,0902,0.1,0.1,0.5,0.5,1,0\n')
    det = tmp_path / 'det.csv'
    det.write_text(content)
    with pytest.raises(ValueError, match=match):
        evaluate_ava(gt, det, _write_map(tmp_path))


def test_inverted_gt_box_and_missing_files(tmp_path):
    gt = tmp_path / 'gt.csv'
    gt.write_text('v,0902,0.1,0.1,0.5,0.5,1,0\nv,0902,0.6,0.1,0.5,0.5,1,1\n')
    det = tmp_path / 'det.csv'
    det.write_text('v,0902,0.1,0.1,0.5,0.5,1,0.9\n')
    lm = _write_map(tmp_path)
    with pytest.raises(ValueError, match=r'gt\.csv:2: box has x1 > x2'):
        evaluate_ava(gt, det, lm)
    with pytest.raises(FileNotFoundError, match='nope.csv'):
        evaluate_ava(tmp_path / 'nope.csv', det, lm)
    (tmp_path / 'ex.csv').write_text('v,0902,3\n')
    gt.write_text('v,0902,0.1,0.1,0.5,0.5,1,0\n')
    with pytest.raises(ValueError, match=r'ex\.csv:1: expected 2 columns'):
        evaluate_ava(gt, det, lm, tmp_path / 'ex.csv')


@needs_shared
def test_golden_fixture(shared_data):
    d = osp.join(shared_data, 'fixtures', 'eval_detection')
    res = evaluate_ava(osp.join(d, 'gt.csv'), osp.join(d, 'pred.csv'),
                       osp.join(d, 'action_list.txt'))
    assert abs(res.mAP - 0.0938552188) < 1e-9
    assert res.per_class == pytest.approx({'action1': 0.1705, 'action2': 0.0,
                                           'action3': 0.1111}, abs=1e-4)


@needs_shared
def test_cli_writes_official_json(shared_data, tmp_path):
    d = osp.join(shared_data, 'fixtures', 'eval_detection')
    out = tmp_path / 'res.json'
    run_tool(['-m', 'mmaction_plugins.evaluation', 'ava', '--gt', osp.join(d, 'gt.csv'),
              '--det', osp.join(d, 'pred.csv'), '--label-map', osp.join(d, 'action_list.txt'),
              '--json', str(out)], timeout=120)
    data = json.loads(out.read_text())
    assert set(data) == {'mAP', 'per_class'}
    assert abs(data['mAP'] - 0.0938552188) < 1e-9
    assert data['per_class']['action2'] == 0.0


def test_cli_bad_input_exit_code(tmp_path):
    import subprocess

    (tmp_path / 'gt.csv').write_text('v,0902,0.1,0.1,0.5\n')
    proc = subprocess.run(
        [sys.executable, '-m', 'mmaction_plugins.evaluation', 'ava', '--gt',
         str(tmp_path / 'gt.csv'), '--det', str(tmp_path / 'gt.csv'), '--label-map',
         str(_write_map(tmp_path))], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert 'gt.csv:1: expected 7 or 8 columns' in proc.stderr


@pytest.mark.parametrize('fmt', ['{:.3f}', '{:.2e}', '{!r}', ' {:.4f}'])
def test_number_formats_parse_like_float(tmp_path, fmt):
    """Plain decimals, exponents, full repr and padded fields all read exactly as float()."""
    rng = np.random.default_rng(3)
    gt, det, _ = _random_case(rng, tmp_path, quant=1000)
    rows = [r.split(',') for r in det.read_text().splitlines()]
    det.write_text(''.join(','.join(r[:7] + [fmt.format(float(r[7]) * 0.999)]) + '\n'
                           for r in rows))
    lm = _write_map(tmp_path)
    ref_ap, ref_map = official_ava(gt, det, LABEL_MAP)
    _assert_same(evaluate_ava(gt, det, lm), ref_ap, ref_map)
