"""Video bootstrap of AVA frame-AP: the official AP at weight 1, duplication semantics, pairing."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.evaluation.ava import evaluate_ava, match_ava
from mmaction_plugins.evaluation.ava_bootstrap import (
    bootstrap_class_ap,
    group_ap,
    paired_group_difference,
)

LABEL_MAP = {1: 'walk', 2: 'run', 3: 'talk', 5: 'wave'}  # id 4 missing: never evaluated


def _case(rng, n_videos=6, skill=0.5, videos=None):
    """GT rows and detection rows (ground-truth boxes as proposals, one score per box and class)
    whose scores separate positives from negatives by ``skill``; scores are distinct."""
    gt, det = [], []
    for v in videos or [f'v{i}' for i in range(n_videos)]:
        for ts in range(902, 902 + int(rng.integers(2, 5))):
            for pid in range(int(rng.integers(1, 4))):
                x1, y1 = rng.uniform(0, 0.5, 2)
                box = [x1, y1, x1 + 0.3, y1 + 0.4]
                labels = set(rng.choice([1, 2, 3, 5], size=int(rng.integers(1, 3)), replace=False))
                fmt = ','.join(f'{x:.4f}' for x in box)
                gt += [f'{v},{ts},{fmt},{a},{pid}\n' for a in sorted(labels)]
                for a in (1, 2, 3, 5):
                    s = rng.uniform(0.01, 0.99) + (skill if a in labels else 0.0)
                    det.append(f'{v},{ts},{fmt},{a},{s:.6f}\n')
    return gt, det


def _write(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text(''.join(rows))
    return str(p)


def test_weight_one_is_the_official_ap(tmp_path):
    rng = np.random.default_rng(0)
    gt, det = _case(rng)
    g, d = _write(tmp_path, 'gt.csv', gt), _write(tmp_path, 'det.csv', det)
    m = match_ava(g, d, LABEL_MAP)
    res = evaluate_ava(g, d, LABEL_MAP)
    for cid in LABEL_MAP:
        assert m.class_ap(cid) == res.per_class_id[cid]
        assert m.class_ap(cid, np.ones(len(m.videos), dtype=np.int64)) == res.per_class_id[cid]
    assert np.isnan(m.class_ap(4))  # no ground truth


def test_weight_k_equals_the_video_copied_k_times(tmp_path):
    rng = np.random.default_rng(1)
    gt, det = _case(rng, n_videos=4)
    m = match_ava(_write(tmp_path, 'gt.csv', gt), _write(tmp_path, 'det.csv', det), LABEL_MAP)
    # v1 twice, v2 not at all, v0 and v3 once: the copy is a video of its own name
    copy_gt = [r.replace('v1,', 'v1b,', 1) for r in gt if r.startswith('v1,')]
    copy_det = [r.replace('v1,', 'v1b,', 1) for r in det if r.startswith('v1,')]
    keep = ('v0,', 'v1,', 'v3,')
    g2 = [r for r in gt if r.startswith(keep)] + copy_gt
    d2 = [r for r in det if r.startswith(keep)] + copy_det
    res = evaluate_ava(_write(tmp_path, 'gt2.csv', g2), _write(tmp_path, 'det2.csv', d2),
                       LABEL_MAP)
    w = np.array([{'v0': 1, 'v1': 2, 'v2': 0, 'v3': 1}[v] for v in m.videos])
    for cid in LABEL_MAP:
        assert m.class_ap(cid, w) == pytest.approx(res.per_class_id[cid], abs=1e-12)


def test_paired_difference_of_a_model_with_itself_is_exactly_zero(tmp_path):
    rng = np.random.default_rng(2)
    gt, det = _case(rng)
    m = match_ava(_write(tmp_path, 'gt.csv', gt), _write(tmp_path, 'det.csv', det), LABEL_MAP)
    out = paired_group_difference(m, m, {'overall': [1, 2, 3, 5], 'pair': [1, 2]}, n_boot=50)
    for d in out.values():
        assert (d.observed, d.std, d.low, d.high, d.share_not_positive) == (0, 0, 0, 0, 1)
        assert d.n_boot == 50


def test_a_better_model_wins_on_every_resample_and_noise_shrinks_with_more_videos(tmp_path):
    stds = []
    for n_videos in (6, 24):
        rng = np.random.default_rng(3)
        gt, det_a = _case(rng, n_videos=n_videos, skill=0.1)
        rng = np.random.default_rng(3)
        _, det_b = _case(rng, n_videos=n_videos, skill=0.6)  # same GT, more separable scores
        g = _write(tmp_path, f'gt{n_videos}.csv', gt)
        a = match_ava(g, _write(tmp_path, f'a{n_videos}.csv', det_a), LABEL_MAP)
        b = match_ava(g, _write(tmp_path, f'b{n_videos}.csv', det_b), LABEL_MAP)
        d = paired_group_difference(a, b, {'overall': [1, 2, 3, 5]}, n_boot=200, seed=1)[
            'overall']
        obs_a = np.nanmean([evaluate_ava(g, tmp_path / f'a{n_videos}.csv', LABEL_MAP)
                            .per_class_id[c] for c in LABEL_MAP if c != 4])
        obs_b = np.nanmean([evaluate_ava(g, tmp_path / f'b{n_videos}.csv', LABEL_MAP)
                            .per_class_id[c] for c in LABEL_MAP if c != 4])
        assert d.observed == pytest.approx(obs_b - obs_a, abs=1e-12)
        assert d.low > 0 and d.share_not_positive == 0
        assert d.low <= d.observed <= d.high
        stds.append(d.std)
    assert stds[1] < stds[0]


def test_shared_resamples_and_seed(tmp_path):
    rng = np.random.default_rng(4)
    gt, det = _case(rng)
    m = match_ava(_write(tmp_path, 'gt.csv', gt), _write(tmp_path, 'det.csv', det), LABEL_MAP)
    obs, reps = bootstrap_class_ap([m, m], n_boot=20, seed=7)
    assert obs.shape == (2, 5) and reps.shape == (20, 2, 5)
    np.testing.assert_array_equal(reps[:, 0], reps[:, 1])
    np.testing.assert_array_equal(reps, bootstrap_class_ap([m, m], n_boot=20, seed=7)[1])
    assert not np.array_equal(reps, bootstrap_class_ap([m, m], n_boot=20, seed=8)[1])
    assert np.isnan(reps[..., 3]).all()  # class 4: never any ground truth


def test_other_ground_truth_is_refused(tmp_path):
    rng = np.random.default_rng(5)
    gt, det = _case(rng)
    a = match_ava(_write(tmp_path, 'gt.csv', gt), _write(tmp_path, 'det.csv', det), LABEL_MAP)
    b = match_ava(_write(tmp_path, 'gt2.csv', gt[1:]), tmp_path / 'det.csv', LABEL_MAP)
    with pytest.raises(ValueError, match='other ground truth.*first differing video: v0'):
        paired_group_difference(a, b, {'overall': [1]}, n_boot=5)
    with pytest.raises(ValueError, match='n_boot'):
        bootstrap_class_ap([a], n_boot=0)


def test_group_ap_leaves_nan_classes_out():
    ap = np.array([[0.5, np.nan, 0.1], [np.nan, np.nan, np.nan]])
    out = group_ap(ap, {'a': [1, 2], 'b': [2], 'all': [1, 2, 3]})
    np.testing.assert_allclose(out['a'], [0.5, np.nan])
    assert np.isnan(out['b']).all()
    np.testing.assert_allclose(out['all'], [0.3, np.nan])
