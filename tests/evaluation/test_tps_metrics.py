"""TPSPartStateMetric (part-state top-1, the challenge submission and its score by the project's
scorer) and TPSCategoryMetric (the recognizer's top-1 and its ``pred_vid`` file)."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.datasets.synthetic.classes import PART_STATES, TPS_PARTS
from mmaction_plugins.datasets.tps import load_tps_split, load_tps_vocabulary
from mmaction_plugins.evaluation import TPSPartStateMetric, evaluate_tps_files

STATES = {p: PART_STATES[p] for p in TPS_PARTS}


def _metric(root: str, **kw):
    from mmaction.registry import METRICS

    return METRICS.build(dict(type='TPSPartStateMetric',
                              gt_vid_file=osp.join(root, 'tps', 'gt_vid_val.json'),
                              gt_part_file=osp.join(root, 'tps', 'gt_part_val.json'),
                              part_names=TPS_PARTS, part_states=STATES, **kw))


def _gt_samples(root: str) -> list[dict]:
    """One sample per ground-truth person, predicting its true states (as dicts, the way
    mmengine's evaluator hands data samples to metrics)."""
    vocab = load_tps_vocabulary(osp.join(root, 'tps', 'part_states.json'),
                                osp.join(root, 'tps', 'categories.txt'))
    vocab = type(vocab)(parts=TPS_PARTS, states=STATES, categories=vocab.categories)
    videos = load_tps_split(osp.join(root, 'tps', 'val_list.txt'),
                            osp.join(root, 'tps', 'annotations', 'val'), vocab)
    out = []
    for v in videos:
        for fr in v.frames:
            for i, p in enumerate(fr.persons):
                out.append(dict(video_id=v.video_id, frame=fr.frame, person_index=i,
                                person_score=1.0, person_box=p.box.copy(),
                                frame_part_boxes=p.part_boxes.copy(),
                                frame_part_valid=p.part_states >= 0,
                                frame_part_states=p.part_states.copy(),
                                pred_part_states=torch.from_numpy(p.part_states.clip(0))))
    return out


def _evaluate(metric, samples) -> dict:
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_perfect_states_score_one_and_the_files_rescore_identically(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    pred_vid = tmp_path / 'pred_vid.json'
    gt_vid = json.load(open(osp.join(root, 'tps', 'gt_vid_val.json')))
    pred_vid.write_text(json.dumps({'syn0002': gt_vid['syn0002'], 'syn0003': 'wave'}))
    res = _evaluate(_metric(root, pred_vid_file=str(pred_vid), out_dir=str(tmp_path / 'sub')),
                    _gt_samples(root))
    assert res['tps_part/top1'] == 1.0 and res['tps_part/mean_part_top1'] == 1.0
    assert res['tps_part/mean_psc'] == 1.0
    assert res['tps_part/area_gt_class'] == pytest.approx(0.9999)  # the scorer's 1..9999 grid
    assert res['tps_part/area'] == pytest.approx(0.9999 / 2)  # one video's class is wrong
    assert res['tps_part/video_acc'] == 0.5
    # the written submission is the challenge layout and the scorer's CLI path agrees
    sub = tmp_path / 'sub'
    again = evaluate_tps_files(osp.join(root, 'tps', 'gt_vid_val.json'),
                               osp.join(root, 'tps', 'gt_part_val.json'),
                               sub / 'pred_vid.json', sub / 'pred_part.json')
    assert again.area == pytest.approx(res['tps_part/area'])
    part = json.load(open(sub / 'pred_part.json'))
    frame = next(iter(v for v in part['syn0002'].values() if v['humans']))
    human = frame['humans'][0]
    assert set(human['parts']) == set(TPS_PARTS)
    assert len(human['parts']['head']['box']) == 1 and len(human['parts']['head']['verb']) == 1


def test_wrong_states_lower_top1_and_psc(synthetic_tiny):
    root, _ = synthetic_tiny
    samples = _gt_samples(root)
    head = TPS_PARTS.index('head')
    for s in samples[::2]:  # every other person gets the other head state
        s['pred_part_states'] = s['pred_part_states'].clone()
        s['pred_part_states'][head] = 1 - s['pred_part_states'][head]
    res = _evaluate(_metric(root), samples)
    n_wrong = len(samples[::2])
    assert res['tps_part/top1'] == pytest.approx(1 - n_wrong / (10 * len(samples)))
    assert res['tps_part/top1/head'] == pytest.approx(1 - n_wrong / len(samples))
    assert res['tps_part/top1/torso'] == 1.0
    assert 0.85 < res['tps_part/mean_psc'] < 1.0
    assert 'tps_part/area' not in res  # no recognizer predictions given


def test_absent_parts_are_left_out_and_humans_capped(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    samples = _gt_samples(root)[:1]
    samples[0]['frame_part_valid'] = samples[0]['frame_part_valid'].copy()
    samples[0]['frame_part_valid'][TPS_PARTS.index('left_foot')] = False
    extra = [dict(samples[0], person_index=i + 1, person_score=0.01 * i) for i in range(12)]
    metric = _metric(root, out_dir=str(tmp_path))
    _evaluate(metric, samples + extra)
    part = json.load(open(tmp_path / 'pred_part.json'))
    humans = part[samples[0]['video_id']][f'img_{samples[0]["frame"]:05d}.json']['humans']
    assert len(humans) == 10  # the challenge's cap, best scores first
    assert 'left_foot' not in humans[0]['parts'] and len(humans[0]['parts']) == 9
    assert set(part) == {'syn0002', 'syn0003'}  # every ground-truth video has an entry


def test_bad_samples_are_named(synthetic_tiny):
    root, _ = synthetic_tiny
    metric = _metric(root)
    with pytest.raises(KeyError, match=r"lacks \['pred_part_states'\] \(img_key 'v,0001'\)"):
        metric.process({}, [dict(video_id='v', frame=1, person_box=[0, 0, 1, 1],
                                 frame_part_boxes=np.zeros((10, 4)),
                                 frame_part_valid=np.ones(10, bool), img_key='v,0001')])
    with pytest.raises(ValueError, match='part_states must map each of part_names'):
        TPSPartStateMetric(gt_vid_file=osp.join(root, 'tps', 'gt_vid_val.json'),
                           gt_part_file=osp.join(root, 'tps', 'gt_part_val.json'),
                           part_names=TPS_PARTS, part_states={'head': STATES['head']})


def test_category_metric_writes_pred_vid(synthetic_tiny, tmp_path):
    from mmaction.registry import METRICS

    root, _ = synthetic_tiny
    out = tmp_path / 'pred_vid.json'
    metric = METRICS.build(dict(type='TPSCategoryMetric',
                                categories_file=osp.join(root, 'tps', 'categories.txt'),
                                out_file=str(out)))
    cats = metric.categories
    scores = [torch.eye(16)[cats.index('chase')], torch.eye(16)[cats.index('wave')]]
    metric.process({}, [
        dict(frame_dir=osp.join(root, 'ava/rawframes/syn0002'), pred_score=scores[0],
             gt_label=torch.tensor([cats.index('chase')])),
        dict(frame_dir=osp.join(root, 'ava/rawframes/syn0003/'), pred_score=scores[1],
             gt_label=torch.tensor([cats.index('approach')]))])
    assert metric.evaluate(2) == {'tps_video/top1': 0.5}
    assert json.load(open(out)) == {'syn0002': 'chase', 'syn0003': 'wave'}
    with pytest.raises(ValueError, match='15 scores for 16 categories'):
        metric.process({}, [dict(frame_dir='x/syn0002', pred_score=torch.zeros(15))])
    with pytest.raises(KeyError, match="frame_dir"):
        metric.process({}, [dict(pred_score=torch.zeros(16))])
