"""The mmengine metrics, built through ``mmaction.registry.METRICS`` like a config does."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS

import mmaction_plugins.evaluation  # noqa: F401  (registers the metrics)
from tests.evaluation.reference import official_ava
from tests.evaluation.test_kinetics_tps import random_tps
from tests.evaluation.test_multisports import random_gt


def _ava_case(tmp_path, rng):
    lm = {1: 'walk', 2: 'run', 3: 'sit'}
    (tmp_path / 'map.txt').write_text(''.join(f'{i}: {n}\n' for i, n in lm.items()))
    gt_rows, samples, det_rows = [], [], []
    for k in range(6):
        ts = 900 + k
        boxes = []
        for p in range(int(rng.integers(1, 4))):
            x, y = rng.uniform(0, 0.6, 2)
            b = [x, y, x + 0.3, y + 0.35]
            boxes.append(b)
            for a in rng.choice([1, 2, 3], size=int(rng.integers(1, 3)), replace=False):
                gt_rows.append(f'vid,{ts:04d},' + ','.join(f'{c:.3f}' for c in b) + f',{a},{p}')
        pred = np.clip(np.array(boxes) + rng.normal(0, 0.02, (len(boxes), 4)), 0, 1)
        scores = rng.random((len(boxes), 4)).astype(np.float32)
        scores[:, 0] = 0
        samples.append({'video_id': 'vid', 'timestamp': ts, 'pred_instances': {
            'bboxes': torch.tensor(pred, dtype=torch.float32),
            'scores': torch.tensor(scores)}})
        for b, s in zip(pred.astype(np.float32).tolist(), scores.tolist()):
            for c in (1, 2, 3):
                if s[c] >= 0.002:
                    det_rows.append(f'vid,{ts},' + ','.join(f'{x:.3f}' for x in b)
                                    + f',{c},{s[c]:.3f}')
    (tmp_path / 'gt.csv').write_text('\n'.join(gt_rows) + '\n')
    (tmp_path / 'det.csv').write_text('\n'.join(det_rows) + '\n')
    (tmp_path / 'excl.csv').write_text('vid,0905\n')
    return lm, samples


def test_official_ava_metric(tmp_path):
    lm, samples = _ava_case(tmp_path, np.random.default_rng(0))
    metric = METRICS.build(dict(type='OfficialAVAMetric', ann_file=str(tmp_path / 'gt.csv'),
                                label_file=str(tmp_path / 'map.txt'),
                                exclude_file=str(tmp_path / 'excl.csv'), num_classes=4))
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    _, ref_map = official_ava(tmp_path / 'gt.csv', tmp_path / 'det.csv', lm,
                              tmp_path / 'excl.csv')
    assert res['overall'] == pytest.approx(ref_map, abs=1e-12)
    assert res['person_movement'] == pytest.approx(ref_map, abs=1e-12)
    assert np.isnan(res['person_interaction'])
    assert not any(k.startswith('class/') for k in res)


def test_official_ava_metric_per_class(tmp_path):
    from mmaction_plugins.evaluation import evaluate_ava

    lm, samples = _ava_case(tmp_path, np.random.default_rng(1))
    metric = METRICS.build(dict(type='OfficialAVAMetric', ann_file=str(tmp_path / 'gt.csv'),
                                label_file=str(tmp_path / 'map.txt'), per_class=True,
                                exclude_file=str(tmp_path / 'excl.csv'), num_classes=4))
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    ref = evaluate_ava(tmp_path / 'gt.csv', tmp_path / 'det.csv', lm, tmp_path / 'excl.csv')
    assert {k for k in res if k.startswith('class/')} == {f'class/{n}' for n in lm.values()}
    for name, ap in ref.per_class.items():
        assert res[f'class/{name}'] == pytest.approx(ap, abs=1e-3)
    finite = [res[f'class/{n}'] for n in lm.values() if not np.isnan(res[f'class/{n}'])]
    assert res['overall'] == pytest.approx(np.mean(finite), abs=1e-12)


def test_official_ava_metric_keeps_the_scored_csv(tmp_path):
    """out_csv: the very detections that were scored, for ensembling; scoring the kept file
    again gives the same mAP."""
    from mmaction_plugins.evaluation import evaluate_ava

    lm, samples = _ava_case(tmp_path, np.random.default_rng(2))
    out = tmp_path / 'kept' / 'detections.csv'
    metric = METRICS.build(dict(type='OfficialAVAMetric', ann_file=str(tmp_path / 'gt.csv'),
                                label_file=str(tmp_path / 'map.txt'), out_csv=str(out),
                                exclude_file=str(tmp_path / 'excl.csv'), num_classes=4))
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    rows = out.read_text().splitlines()
    assert rows and all(len(r.split(',')) == 8 for r in rows)
    again = evaluate_ava(tmp_path / 'gt.csv', out, lm, tmp_path / 'excl.csv')
    assert again.mAP == pytest.approx(res['overall'], abs=1e-12)


def test_official_multisports_metric(tmp_path):
    from mmaction.evaluation.functional.multisports_utils import frameAP, videoAP

    from mmaction_plugins.evaluation import link_tubes
    from mmaction_plugins.evaluation.multisports_metric import frame_dets_from_results

    rng = np.random.default_rng(3)
    gt = random_gt(rng, n_videos=2)
    ann = tmp_path / 'gt.pkl'
    ann.write_bytes(pickle.dumps(gt))
    samples = []
    for v in gt['test_videos'][0]:
        h, w = gt['resolution'][v]
        per_frame = {}
        for c, tubes in gt['gttubes'][v].items():
            for t in tubes:
                for r in t:
                    sc = np.full(len(gt['labels']), 0.01, np.float32)
                    sc[c] = rng.uniform(0.3, 1.0)
                    box = (r[1:5] + rng.normal(0, 3, 4)) / np.array([w, h, w, h])
                    per_frame.setdefault(int(r[0]), []).append((box, sc))
        for f, items in per_frame.items():
            samples.append({'video_id': v + '.mp4', 'timestamp': f, 'pred_instances': {
                'bboxes': torch.tensor(np.array([b for b, _ in items]), dtype=torch.float32),
                'scores': torch.tensor(np.array([s for _, s in items]))}})
    metric = METRICS.build(dict(type='OfficialMultiSportsMetric', ann_file=str(ann),
                                verbose=False))
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    assert set(res) == {'frameAP', 'v_map@0.2', 'v_map@0.5', 'v_map_0.05:0.45',
                        'v_map_0.10:0.90', 'v_map_0.50:0.95'}
    dets = frame_dets_from_results(gt, metric.results)
    assert res['frameAP'] == pytest.approx(frameAP(gt, dets, 0.5, False), abs=1e-9)
    tubes = link_tubes(gt, dets, min_len=15)
    assert res['v_map@0.5'] == pytest.approx(videoAP(gt, tubes, 0.5, False), abs=1e-9)
    assert res['frameAP'] > 50


def test_kinetics_tps_metric(tmp_path):
    from mmaction_plugins.evaluation import evaluate_tps

    gv, gp, pv, pp = random_tps(np.random.default_rng(5))
    (tmp_path / 'gv.json').write_text(json.dumps(gv))
    (tmp_path / 'gp.json').write_text(json.dumps(gp))
    metric = METRICS.build(dict(type='KineticsTPSMetric', gt_vid_file=str(tmp_path / 'gv.json'),
                                gt_part_file=str(tmp_path / 'gp.json')))
    samples = []
    for vid, frames in pp.items():
        items = list(frames.items())
        half = len(items) // 2
        samples.append({'video_id': vid, 'pred_part': dict(items[:half]),
                        'pred_class': pv[vid]})
        samples.append({'video_id': vid, 'pred_part': dict(items[half:])})
    metric.process(None, samples)
    res = metric.compute_metrics(metric.results)
    assert res['area'] == pytest.approx(evaluate_tps(gv, gp, pv, pp).area, abs=1e-12)
    metric.results.append(('video_0', None, 'other'))
    with pytest.raises(ValueError, match='two classes'):
        metric.compute_metrics(metric.results)
