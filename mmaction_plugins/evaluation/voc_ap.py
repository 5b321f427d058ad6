"""PASCAL VOC all-point average precision, as the official AVA and MultiSports scorers compute it.

Both official scorers end with the same arithmetic (the TF object-detection API ``metrics.py``
used by ActivityNet's ``get_ava_performance.py`` and ``pr_to_ap_voc`` in MultiSports'
``evaluate_multisports.py``): pad recall with 0 and 1 and precision with 0 and 0, make precision
non-increasing from the right, and sum ``(r[i] - r[i-1]) * p[i]`` where recall changes. The loop
that makes precision monotone is replaced by a reversed ``np.maximum.accumulate``, which yields the
same floats (a maximum is exact), and the final ``np.sum`` runs on the same array, so results are
bit-identical to the official ones.
"""

from __future__ import annotations

import numpy as np

__all__ = ['voc_ap', 'precision_recall_tf', 'average_precision_tf']


def voc_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """All-point interpolated AP.

    Args:
        precision: ``(N,)`` float64 precision after each ranked detection.
        recall: ``(N,)`` float64 non-decreasing recall after each ranked detection.

    Returns:
        float: the AP in [0, 1]; 0.0 when ``N == 0``.
    """
    rec = np.concatenate([[0.0], np.asarray(recall, dtype=np.float64), [1.0]])
    prec = np.concatenate([[0.0], np.asarray(precision, dtype=np.float64), [0.0]])
    prec = np.maximum.accumulate(prec[::-1])[::-1]
    idx = np.where(rec[1:] != rec[:-1])[0] + 1
    return float(np.sum((rec[idx] - rec[idx - 1]) * prec[idx]))


def precision_recall_tf(scores: np.ndarray, tp: np.ndarray, num_gt: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall with the TF object-detection API ranking.

    The official code ranks with ``np.argsort(scores)[::-1]`` (numpy's default, unstable sort,
    reversed); ties are therefore broken exactly as that call breaks them on the same array, which
    is why callers must pass the scores in the official concatenation order.

    Args:
        scores: ``(N,)`` float64 detection scores.
        tp: ``(N,)`` bool, True for true positives.
        num_gt: number of ground-truth instances (> 0).

    Returns:
        tuple: ``(precision, recall)``, each ``(N,)`` float64.
    """
    order = np.argsort(scores)[::-1]
    tp_sorted = tp.astype(int)[order]
    cum_tp = np.cumsum(tp_sorted)
    cum_fp = np.cumsum(1 - tp_sorted)
    precision = cum_tp.astype(float) / (cum_tp + cum_fp)
    recall = cum_tp.astype(float) / num_gt
    return precision, recall


def average_precision_tf(scores: np.ndarray, tp: np.ndarray, num_gt: int) -> float:
    """AP of one class as ``object_detection_evaluation.ObjectDetectionEvaluation`` computes it.

    Args:
        scores: ``(N,)`` float64 detection scores, in the official concatenation order.
        tp: ``(N,)`` bool true-positive flags, same order.
        num_gt: number of ground-truth instances of the class (> 0).

    Returns:
        float: AP in [0, 1]; 0.0 without detections (the official ``if not precision.size``).
    """
    if scores.size == 0:
        return 0.0
    precision, recall = precision_recall_tf(scores, tp, num_gt)
    return voc_ap(precision, recall)
