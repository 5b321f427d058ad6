"""Linear probes of per-person features: the probe separates what is separable and scores with the
official AP arithmetic; the hidden-layer probe reads an interaction the linear one cannot; each
person's partner is the nearest other person of its own keyframe; the linear head's classifier
input is exactly its pooled RoI feature; the tool runs end to end on two models and caches the
features."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.analysis.feature_probe import (
    _partner_features,
    extract_person_features,
    fit_probe,
    nearest_partners,
    probe_ap,
)
from tests.conftest import REPO, load_tool, run_tool

LINEAR = osp.join(REPO, 'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')
PCCA = osp.join(REPO, 'configs/pcca/pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def test_probe_separates_a_separable_class_and_not_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 6)).astype(np.float32)
    y = np.zeros((400, 3), np.float32)
    y[:, 1] = x[:, 2] > 0.3  # linearly separable from feature 2
    y[:, 2] = rng.random(400) < 0.3  # independent of every feature
    xv = rng.normal(size=(300, 6)).astype(np.float32)
    yv = np.zeros((300, 3), np.float32)
    yv[:, 1] = xv[:, 2] > 0.3
    yv[:, 2] = rng.random(300) < 0.3
    (scores,) = fit_probe(x, y, xv, epochs=300)
    assert scores.shape == (300, 3) and ((scores >= 0) & (scores <= 1)).all()
    ap = probe_ap(scores, yv, {1: 'separable', 2: 'noise', 0: 'background'})
    assert ap['separable'] > 99.0
    assert abs(ap['noise'] - 100 * yv[:, 2].mean()) < 15  # about its prevalence
    assert np.isnan(ap['background'])  # no positive person
    with pytest.raises(ValueError, match='features'):
        fit_probe(x[:, 0], y)


def test_hidden_layer_probe_reads_an_interaction_the_linear_probe_cannot():
    rng = np.random.default_rng(1)

    def xor(n):
        x = rng.normal(size=(n, 4)).astype(np.float32)
        y = np.zeros((n, 2), np.float32)
        y[:, 1] = (x[:, 0] > 0) == (x[:, 1] > 0)  # "the partner moves the same way"
        return x, y

    x, y = xor(600)
    xv, yv = xor(400)
    names = {1: 'same way'}
    (lin,) = fit_probe(x, y, xv, epochs=300)
    (mlp,) = fit_probe(x, y, xv, epochs=300, hidden=32)
    chance = 100 * yv[:, 1].mean()
    assert abs(probe_ap(lin, yv, names)['same way'] - chance) < 12
    assert probe_ap(mlp, yv, names)['same way'] > 90


def test_nearest_partner_is_on_the_same_ground_line_and_alone_is_zero():
    idx, geom = nearest_partners(np.zeros((0, 4)))
    assert idx.shape == (0,) and geom.shape == (0, 4)
    idx, geom = nearest_partners(np.array([[10., 10., 20., 50.]]))
    assert idx.tolist() == [-1] and not geom.any()
    # person 0 stands at x=15, y=50 (height 40); person 1 on its line 60 px to the right;
    # person 2 only 30 px away but 20 px lower (another ground line: 4x the vertical offset)
    boxes = np.array([[10., 10., 20., 50.], [70., 10., 80., 50.], [40., 30., 50., 70.]])
    idx, geom = nearest_partners(boxes)
    assert idx[0] == 1
    np.testing.assert_allclose(geom[0], [60 / 40, 0.0, 0.0, 1.0], atol=1e-6)
    assert idx[2] in (0, 1) and geom[2, 1] == pytest.approx(-20 / 40)
    np.testing.assert_allclose(geom[1, :2], [-60 / 40, 0.0], atol=1e-6)


def test_partners_stay_within_their_keyframe():
    roi = np.arange(12, dtype=np.float32).reshape(4, 3)
    rois = np.array([[0, 0, 0, 10, 40], [0, 20, 0, 30, 40], [1, 0, 0, 10, 40],
                     [2, 0, 0, 10, 40]], np.float32)
    partner, geom = _partner_features(roi, rois)
    np.testing.assert_array_equal(partner[0], roi[1])
    np.testing.assert_array_equal(partner[1], roi[0])
    assert not partner[2:].any() and not geom[2:].any()  # alone in keyframes 1 and 2
    assert (geom[:2, 3] == 1).all()


@pytest.mark.slow
def test_features_of_the_linear_head_and_the_tool(synthetic_tiny, tmp_path):
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmaction_plugins.apis import init_stad_model
    from mmaction_plugins.datasets.proposals import load_proposals
    from mmaction_plugins.engine.dump_features import split_dataset_cfg
    from mmaction_plugins.engine.runs import point_stad_config_at

    root, _ = synthetic_tiny
    steps = {}
    for name, path in (('linear', LINEAR), ('pcca', PCCA)):
        cfg = point_stad_config_at(Config.fromfile(path), root, str(tmp_path / name))
        torch.manual_seed(0)
        model = init_stad_model(cfg, None)
        cfg_path, ckpt = str(tmp_path / f'{name}.py'), str(tmp_path / f'{name}.pth')
        cfg.dump(cfg_path)
        torch.save({'state_dict': model.state_dict()}, ckpt)
        steps[name] = (cfg_path, ckpt)
        if name != 'linear':
            continue
        init_default_scope('mmaction')
        dataset = DATASETS.build(split_dataset_cfg(cfg, 'val'))
        feats = extract_person_features(model, dataset, batch_size=3, context_scales=[2.0],
                                        partner=True)
        n = sum(len(b) for b in load_proposals(
            osp.join(root, 'ava', 'annotations', 'ava_dense_proposals_val.json')).values())
        assert feats.features['roi'].shape == (n, 96) and feats.labels.shape == (n, 20)
        # BBoxHeadAVA averages over time and max-pools over space before fc_cls: the linear
        # head's classifier input is its pooled RoI feature
        np.testing.assert_allclose(feats.features['classifier'], feats.features['roi'],
                                   rtol=1e-5, atol=1e-6)
        assert (feats.labels[:, 1:4].sum(1) == 1).all()  # one pose class per person
        assert feats.features['context2x'].shape == (n, 96)
        np.testing.assert_array_equal(feats.features['roi+context2x'][:, 96:],
                                      feats.features['context2x'])
        # every partner vector is another person's roi vector (or zeros when alone)
        roi, part = feats.features['roi'], feats.features['partner']
        alone = feats.features['geometry'][:, 3] == 0
        assert feats.features['roi+partner'].shape == (n, 96 + 96 + 4)
        assert not part[alone].any()
        for i in np.flatnonzero(~alone):
            assert (np.abs(roi - part[i]).max(1) == 0).any() and not (roi[i] == part[i]).all()

    work = tmp_path / 'probe'
    args = ['tools/analysis/feature_probe.py', '--work-dir', str(work), '--epochs', '20',
            '--model', 'linear', *steps['linear'], '--model', 'pcca', *steps['pcca']]
    run_tool(args, env={'OMP_NUM_THREADS': '1'})
    md = (work / 'feature_probe.md').read_text()
    for row in ('| linear roi | 96 | val |', '| linear classifier | 96 | fit |',
                '| pcca classifier | 96 | val |', '| chance (val class prevalence) |'):
        assert row in md
    res = json.loads((work / 'feature_probe.json').read_text())
    assert 0 <= res['results']['pcca roi']['val']['pose'] <= 100
    stamp = {p: osp.getmtime(p) for p in work.glob('*_features.npz')}
    assert len(stamp) == 4
    run_tool(args, env={'OMP_NUM_THREADS': '1'})  # features are read back, not recomputed
    assert stamp == {p: osp.getmtime(p) for p in work.glob('*_features.npz')}
    # a context scale the cached features lack: extracted again, probed alone and beside roi
    run_tool([*args, '--context-scales', '2'], env={'OMP_NUM_THREADS': '1'})
    assert all(osp.getmtime(p) > t for p, t in stamp.items())
    md = (work / 'feature_probe.md').read_text()
    assert '| linear context2x | 96 | val |' in md and '| pcca roi+context2x | 192 | val |' in md
    # partner features with a hidden-layer probe
    run_tool([*args, '--partner', '--hidden', '8', '--classes', 'relation'],
             env={'OMP_NUM_THREADS': '1'})
    md = (work / 'feature_probe.md').read_text()
    assert md.startswith('One-hidden-layer (8 ReLU units) probes')
    assert '| linear roi+partner | 196 | val |' in md and '| pcca geometry | 4 | fit |' in md
    assert '| model feature | approach | chase | talk | hand over |' in md
    res = json.loads((work / 'feature_probe.json').read_text())
    assert set(res['results']['pcca roi+partner']['val_classes']) == {
        'approach', 'chase', 'talk', 'hand over'}
    with pytest.raises(SystemExit, match='no group'):
        load_tool('feature_probe').main([*args[1:], '--classes', 'nonsense'])
