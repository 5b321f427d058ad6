"""tools/analysis/paired_bootstrap.py: result CSVs and predictions files, class groups, output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmaction_plugins.analysis.ava_predictions import AVAPredictions, save_predictions
from mmaction_plugins.analysis.claim_noise import class_id_groups, match_detections
from mmaction_plugins.evaluation import evaluate_ava
from tests.conftest import load_tool
from tests.evaluation.test_ava_bootstrap import LABEL_MAP, _case, _write


def _label_map(tmp_path):
    p = tmp_path / 'map.pbtxt'
    p.write_text(''.join(f'item {{\n  name: "{n}"\n  id: {i}\n}}\n' for i, n in LABEL_MAP.items()))
    return str(p)


def _as_predictions(det_rows):
    """The detection rows as an AVAPredictions (one row per box, a score column per class)."""
    boxes: dict[tuple, dict[int, float]] = {}
    for r in det_rows:
        v, ts, x1, y1, x2, y2, a, s = r.strip().split(',')
        boxes.setdefault((v, int(ts), x1, y1, x2, y2), {})[int(a)] = float(s)
    keys = list(boxes)
    cids = sorted(LABEL_MAP)
    return AVAPredictions(
        np.array([k[0] for k in keys]), np.array([k[1] for k in keys], dtype=np.int64),
        np.array([[float(x) for x in k[2:]] for k in keys]),
        np.array([[boxes[k].get(c, 0.0) for c in cids] for k in keys]), np.array(cids))


def test_cli_on_csv_and_npz_with_manifest_groups(tmp_path, capsys):
    tool = load_tool('paired_bootstrap')
    rng = np.random.default_rng(0)
    gt, det_a = _case(rng, n_videos=8, skill=0.1)
    rng = np.random.default_rng(0)
    _, det_b = _case(rng, n_videos=8, skill=0.5)
    g, a = _write(tmp_path, 'gt.csv', gt), _write(tmp_path, 'a.csv', det_a)
    b = str(tmp_path / 'b.npz')
    save_predictions(_as_predictions(det_b), b)
    manifest = tmp_path / 'manifest.json'
    manifest.write_text(json.dumps({'classes': [
        {'name': 'walk', 'group': 'motion'}, {'name': 'run', 'group': 'motion'},
        {'name': 'talk', 'group': 'relation'}, {'name': 'wave', 'group': 'arm'}]}))
    out = tmp_path / 'res.json'
    assert tool.main(['--a', a, '--b', b, '--gt', g, '--label-map', _label_map(tmp_path),
                      '--manifest', str(manifest), '--n-boot', '100', '--names', 'lin', 'acar',
                      '--json', str(out)]) == 0
    text = capsys.readouterr().out
    assert '| group | lin | acar | acar − lin | bootstrap std | 95% interval |' in text
    res = json.loads(out.read_text())
    assert list(res) == ['overall', 'motion', 'relation', 'arm']
    ref_a = evaluate_ava(g, a, LABEL_MAP).per_class_id
    assert res['relation']['a'] == pytest.approx(100 * ref_a[3])
    assert res['motion']['a'] == pytest.approx(50 * (ref_a[1] + ref_a[2]))
    assert res['overall']['diff'] > 0 and res['overall']['low'] > 0
    assert res['overall']['diff'] == pytest.approx(res['overall']['b'] - res['overall']['a'])


def test_ava_groups_without_manifest_and_bad_manifest(tmp_path):
    tool = load_tool('paired_bootstrap')
    assert class_id_groups({1: 'a', 20: 'b', 70: 'c'}, None) == {
        'overall': [1, 20, 70], 'person_movement': [1], 'object_manipulation': [20],
        'person_interaction': [70]}
    assert class_id_groups({1: 'walk', 2: 'run'}, {'walk': 'm', 'run': 'm'}) == {
        'overall': [1, 2], 'm': [1, 2]}
    manifest = tmp_path / 'manifest.json'
    manifest.write_text(json.dumps({'classes': [{'name': 'walk', 'group': 'motion'}]}))
    gt = _write(tmp_path, 'gt.csv', ['v0,0902,0.1,0.1,0.4,0.4,1,0\n'])
    with pytest.raises(ValueError, match=r"manifest.json: class 'run' \(id 2\)"):
        tool.paired_bootstrap(gt, gt, gt, _label_map(tmp_path), manifest=str(manifest))
    with pytest.raises(FileNotFoundError, match='nothing.csv: no such file'):
        match_detections(str(tmp_path / 'nothing.csv'), 'gt.csv', LABEL_MAP, None)
