"""Per-class AP-weighted ensembling of AVA result CSVs: weights, fall-backs, box matching, a hand
computed example and the command line."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from mmaction_plugins.evaluation.ensemble import (
    class_weights,
    ensemble_csvs,
    load_class_aps,
    main,
)
from tests.conftest import run_tool

BOX_A = ('vid1', 902, 0.1, 0.2, 0.5, 0.9)
BOX_B = ('vid1', 902, 0.55, 0.1, 0.95, 0.8)
BOX_C = ('vid2', 1003, 0.0, 0.0, 1.0, 1.0)


def _write_csv(path, rows) -> str:
    with open(path, 'w', encoding='utf-8') as f:
        for vid, ts, x1, y1, x2, y2, cls, score in rows:
            f.write(f'{vid},{ts:04d},{x1:.3f},{y1:.3f},{x2:.3f},{y2:.3f},{cls},{score:.4f}\n')
    return str(path)


def _write_json(path, obj) -> str:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f)
    return str(path)


def _read_out(path) -> dict[tuple, float]:
    out = {}
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.reader(f):
            key = (row[0], int(row[1]), *(round(float(v), 3) for v in row[2:6]), int(row[6]))
            assert key not in out
            out[key] = float(row[7])
    return out


def _rows(box, scores: dict[int, float]):
    return [(*box, c, s) for c, s in scores.items()]


# ------------------------------------------------------------------------------------ weights


@pytest.mark.parametrize('mode', ['weighted', 'best', 'mean'])
def test_weights_sum_to_one_per_class(mode):
    rng = np.random.default_rng(0)
    aps = rng.uniform(0, 1, (4, 7))
    aps[:, 3] = 0.0  # all-zero class
    aps[1, 5] = np.nan  # unknown AP reads as 0
    w = class_weights(aps, mode)
    assert w.shape == (4, 7)
    np.testing.assert_allclose(w.sum(axis=0), 1.0, rtol=0, atol=1e-12)
    assert (w >= 0).all()


def test_weighted_is_ap_proportional():
    aps = np.array([[0.2, 0.5, 0.0], [0.6, 0.5, 0.3]])
    w = class_weights(aps, 'weighted')
    np.testing.assert_allclose(w, [[0.25, 0.5, 0.0], [0.75, 0.5, 1.0]])


def test_best_picks_per_class_first_on_ties():
    aps = np.array([[0.2, 0.9, 0.4, 0.0],
                    [0.7, 0.1, 0.4, 0.0],
                    [0.3, 0.3, 0.1, 0.0]])
    w = class_weights(aps, 'best')
    np.testing.assert_array_equal(w[:, :3], [[0, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(w[:, 3], 1 / 3)  # all-zero: uniform


def test_all_zero_class_falls_back_to_uniform_in_every_mode():
    aps = np.array([[0.0, 0.4], [0.0, 0.2], [0.0, 0.0], [0.0, 0.2]])
    for mode in ('weighted', 'best', 'mean'):
        np.testing.assert_allclose(class_weights(aps, mode)[:, 0], 0.25)
    np.testing.assert_allclose(class_weights(aps, 'mean')[:, 1], 0.25)


def test_bad_weights_input_raises():
    with pytest.raises(ValueError, match='mode'):
        class_weights(np.ones((2, 2)), 'median')
    with pytest.raises(ValueError, match='>= 0'):
        class_weights(np.array([[-0.1], [0.2]]))


def test_load_class_aps_ids_names_and_scorer_output(tmp_path):
    label_map = {1: 'bend/bow', 2: 'crawl', 3: 'dance'}
    p = _write_json(tmp_path / 'a.json', {'1': 0.5, '2': None, '3': float('nan')})
    assert load_class_aps(p) == {1: 0.5, 2: 0.0, 3: 0.0}
    p = _write_json(tmp_path / 'b.json', {'mAP': 0.4, 'per_class': {'bend/bow': 0.4,
                                                                    'crawl': 0.1}})
    assert load_class_aps(p, label_map) == {1: 0.4, 2: 0.1}
    with pytest.raises(ValueError, match='label map'):
        load_class_aps(p)
    p = _write_json(tmp_path / 'c.json', {'jump': 0.3})
    with pytest.raises(ValueError, match=r"c\.json.*'jump'.*not in the label map"):
        load_class_aps(p, label_map)
    p = _write_json(tmp_path / 'd.json', {'1': -0.2})
    with pytest.raises(ValueError, match=r'd\.json'):
        load_class_aps(p)
    p = _write_json(tmp_path / 'e.json', {'1': 0.2, 'bend/bow': 0.3})
    with pytest.raises(ValueError, match='twice'):
        load_class_aps(p, label_map)


# ----------------------------------------------------------------------------------- ensemble


def _two_models(tmp_path):
    """Two models, two keyframes, three boxes, classes 1..3; model 1 omits (BOX_C, 3)."""
    r0 = _write_csv(tmp_path / 'm0.csv',
                    _rows(BOX_A, {1: 0.8, 2: 0.1, 3: 0.4}) + _rows(BOX_B, {1: 0.2, 2: 0.6, 3: 0.0})
                    + _rows(BOX_C, {1: 0.5, 2: 0.5, 3: 0.9}))
    # other row order, same boxes, coordinates written with one more decimal
    rows1 = (_rows(BOX_C, {2: 0.3, 1: 0.1}) + _rows(BOX_B, {3: 0.7, 1: 0.4, 2: 0.2})
             + _rows(BOX_A, {1: 0.6, 2: 0.3, 3: 0.0}))
    with open(tmp_path / 'm1.csv', 'w', encoding='utf-8') as f:
        for vid, ts, x1, y1, x2, y2, cls, score in rows1:
            f.write(f'{vid},{ts:04d},{x1:.4f},{y1:.4f},{x2:.4f},{y2:.4f},{cls},{score:.4f}\n')
    a0 = _write_json(tmp_path / 'ap0.json', {'1': 0.6, '2': 0.2, '3': 0.0})
    a1 = _write_json(tmp_path / 'ap1.json', {'1': 0.2, '2': 0.6, '3': 0.0})
    return [r0, str(tmp_path / 'm1.csv')], [a0, a1]


def test_output_equals_hand_computation(tmp_path):
    results, aps = _two_models(tmp_path)
    out = tmp_path / 'out.csv'
    res = ensemble_csvs(results, out, aps, mode='weighted')
    # weights: class 1 -> (0.75, 0.25), class 2 -> (0.25, 0.75), class 3 (all zero) -> (0.5, 0.5)
    np.testing.assert_allclose(res.weights, [[0.75, 0.25, 0.5], [0.25, 0.75, 0.5]])
    expected = {
        (*BOX_A, 1): 0.75 * 0.8 + 0.25 * 0.6, (*BOX_A, 2): 0.25 * 0.1 + 0.75 * 0.3,
        (*BOX_A, 3): 0.5 * 0.4 + 0.5 * 0.0,
        (*BOX_B, 1): 0.75 * 0.2 + 0.25 * 0.4, (*BOX_B, 2): 0.25 * 0.6 + 0.75 * 0.2,
        (*BOX_B, 3): 0.5 * 0.0 + 0.5 * 0.7,
        (*BOX_C, 1): 0.75 * 0.5 + 0.25 * 0.1, (*BOX_C, 2): 0.25 * 0.5 + 0.75 * 0.3,
        (*BOX_C, 3): 0.5 * 0.9,  # absent from model 1: counts as 0
    }
    got = _read_out(out)
    assert got.keys() == expected.keys()
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, abs=1e-6), k
    assert res.num_boxes == 3 and res.num_rows == 9
    # first file's order and coordinates, 4-digit timestamps, classes ascending
    with open(out, encoding='utf-8') as f:
        lines = f.read().splitlines()
    assert lines[0].startswith('vid1,0902,0.1,0.2,0.5,0.9,1,')
    assert [ln.split(',')[6] for ln in lines[:3]] == ['1', '2', '3']
    assert lines[-1].startswith('vid2,1003,0.0,0.0,1.0,1.0,3,')
    assert not [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]


def test_best_and_mean_modes(tmp_path):
    results, aps = _two_models(tmp_path)
    ensemble_csvs(results, tmp_path / 'b.csv', aps, mode='best')
    best = _read_out(tmp_path / 'b.csv')
    assert best[(*BOX_A, 1)] == pytest.approx(0.8)  # model 0 is best on class 1
    assert best[(*BOX_A, 2)] == pytest.approx(0.3)  # model 1 is best on class 2
    assert best[(*BOX_B, 3)] == pytest.approx(0.35)  # all-zero APs: uniform
    ensemble_csvs(results, tmp_path / 'm.csv', mode='mean', label_map={1: 'a', 2: 'b', 3: 'c'})
    mean = _read_out(tmp_path / 'm.csv')
    assert mean[(*BOX_A, 1)] == pytest.approx(0.7)
    assert mean[(*BOX_C, 3)] == pytest.approx(0.45)


def test_missing_box_raises_naming_the_file_or_is_skipped(tmp_path):
    results, aps = _two_models(tmp_path)
    short = _write_csv(tmp_path / 'short.csv',
                       _rows(BOX_A, {1: 0.6, 2: 0.3}) + _rows(BOX_C, {1: 0.1, 2: 0.3}))
    with pytest.raises(ValueError, match=r'short\.csv: no box \(vid1, 0902, 0\.550, 0\.100, '
                                         r'0\.950, 0\.800\).*m0\.csv has'):
        ensemble_csvs([results[0], short], tmp_path / 'o.csv', aps)
    assert not (tmp_path / 'o.csv').exists()
    # a box only in the second file names the first file
    with pytest.raises(ValueError, match=r'short\.csv: no box'):
        ensemble_csvs([short, results[0]], tmp_path / 'o.csv', aps)
    res = ensemble_csvs([results[0], short], tmp_path / 'o.csv', aps, skip_missing=True)
    assert res.num_boxes == 2 and res.skipped_boxes == {results[0]: 1, short: 0}
    got = _read_out(tmp_path / 'o.csv')
    assert {k[:6] for k in got} == {BOX_A, BOX_C}


def test_box_moved_beyond_rounding_does_not_match(tmp_path):
    results, aps = _two_models(tmp_path)
    moved = (BOX_A[0], BOX_A[1], BOX_A[2] + 0.002, *BOX_A[3:])
    other = _write_csv(tmp_path / 'moved.csv',
                       _rows(moved, {1: 0.5}) + _rows(BOX_B, {1: 0.5}) + _rows(BOX_C, {1: 0.5}))
    with pytest.raises(ValueError, match=r'm0\.csv: no box \(vid1, 0902, 0\.102.*moved\.csv has'):
        ensemble_csvs([results[0], other], tmp_path / 'o.csv', aps)
    ensemble_csvs([results[0], other], tmp_path / 'o.csv', aps, decimals=2)  # matches at 0.01


def test_duplicate_rows_and_missing_aps_raise(tmp_path):
    results, aps = _two_models(tmp_path)
    dup = _write_csv(tmp_path / 'dup.csv', _rows(BOX_A, {1: 0.5}) + _rows(BOX_A, {1: 0.4}))
    with pytest.raises(ValueError, match=r'dup\.csv:2: box .* class 1 already at line 1'):
        ensemble_csvs([dup, dup], tmp_path / 'o.csv', mode='mean', label_map={1: 'a'})
    partial = _write_json(tmp_path / 'partial.json', {'1': 0.5, '2': 0.5})
    with pytest.raises(ValueError, match=r'partial\.json: no AP for class 3'):
        ensemble_csvs(results, tmp_path / 'o.csv', [aps[0], partial])
    res = ensemble_csvs(results, tmp_path / 'o.csv', [aps[0], partial], missing_ap=0.0)
    np.testing.assert_allclose(res.weights[:, 2], [0.5, 0.5])
    with pytest.raises(ValueError, match='one AP file per result file'):
        ensemble_csvs(results, tmp_path / 'o.csv', aps[:1])
    with pytest.raises(ValueError, match='needs one AP file'):
        ensemble_csvs(results, tmp_path / 'o.csv')


def test_classes_outside_the_class_set_are_dropped_and_counted(tmp_path):
    results, aps = _two_models(tmp_path)
    res = ensemble_csvs(results, tmp_path / 'o.csv', aps, mode='mean',
                        label_map={1: 'a', 2: 'b'})
    assert res.dropped_rows == {results[0]: 3, results[1]: 2}
    assert {k[6] for k in _read_out(tmp_path / 'o.csv')} == {1, 2}


# -------------------------------------------------------------------------------- command line


def test_cli_round_trip(tmp_path):
    results, aps = _two_models(tmp_path)
    out, summary = tmp_path / 'cli.csv', tmp_path / 'summary.json'
    proc = run_tool(['tools/ensemble_results.py', '--results', *results, '--aps', *aps,
                     '--out', str(out), '--summary-json', str(summary)], timeout=300)
    assert 'cli.csv: 3 boxes, 9 rows from 2 files (weighted)' in proc.stdout
    ensemble_csvs(results, tmp_path / 'api.csv', aps)
    assert out.read_bytes() == (tmp_path / 'api.csv').read_bytes()
    s = json.loads(summary.read_text())
    assert s['num_rows'] == 9 and s['weights']['1'] == pytest.approx([0.75, 0.25])
    # the output is itself a valid result file: ensembling it with itself is the identity
    twice = tmp_path / 'twice.csv'
    assert main(['--results', str(out), str(out), '--aps', aps[0], aps[1], '--out',
                 str(twice)]) == 0
    a, b = _read_out(out), _read_out(twice)
    assert a.keys() == b.keys() and all(b[k] == pytest.approx(v, abs=2e-6) for k, v in a.items())


def test_cli_bad_input_exits_2_naming_the_file(tmp_path, capsys):
    results, aps = _two_models(tmp_path)
    short = _write_csv(tmp_path / 'short.csv', _rows(BOX_A, {1: 0.6}))
    assert main(['--results', results[0], short, '--aps', *aps, '--out',
                 str(tmp_path / 'o.csv')]) == 2
    assert 'short.csv: no box' in capsys.readouterr().err
    assert main(['--results', results[0], '--aps', str(tmp_path / 'none.json'), '--out',
                 str(tmp_path / 'o.csv')]) == 2
    assert 'none.json' in capsys.readouterr().err
    assert not (tmp_path / 'o.csv').exists()
