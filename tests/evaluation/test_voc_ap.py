"""VOC all-point AP: bit-identical to the official loops."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.evaluation.voc_ap import average_precision_tf, voc_ap


@pytest.mark.parametrize('seed', range(20))
def test_same_bits_as_official(seed):
    from mmaction.evaluation.functional.ava_evaluation import metrics
    from mmaction.evaluation.functional.multisports_utils import pr_to_ap_voc

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    scores = rng.integers(0, 8, n) / 8.0  # many ties
    tp = rng.random(n) < 0.4
    num_gt = int(tp.sum() + rng.integers(1, 5))
    p, r = metrics.compute_precision_recall(scores, tp, num_gt)
    assert average_precision_tf(scores, tp, num_gt) == metrics.compute_average_precision(p, r)
    pr = np.stack([p, r], 1) if n else np.empty((0, 2))
    assert voc_ap(pr[:, 0], pr[:, 1]) == pr_to_ap_voc(pr)


def test_known_values():
    assert voc_ap(np.array([1.0, 0.5]), np.array([0.5, 0.5])) == 0.5
    assert voc_ap(np.empty(0), np.empty(0)) == 0.0
    assert average_precision_tf(np.array([0.9, 0.8]), np.array([False, True]), 1) == 0.5
