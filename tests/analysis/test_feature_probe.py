"""Linear probes of per-person features: the probe separates what is separable and scores with the
official AP arithmetic; the linear head's classifier input is exactly its pooled RoI feature; the
tool runs end to end on two models and caches the features."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.analysis.feature_probe import (
    extract_person_features,
    fit_probe,
    probe_ap,
)
from tests.conftest import REPO, run_tool

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
        feats = extract_person_features(model, dataset, batch_size=3, context_scales=[2.0])
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
