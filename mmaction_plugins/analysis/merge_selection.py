"""Choose the classes to merge on held-out videos, then merge (seed report ``003``'s arm merge).

The report merges the arm model's scores for the classes where *validation* AP improves and
reports validation AP — choosing and scoring on the same boxes overstates the gain. Here the
validation videos are split into ``folds`` (sorted, round-robin); the classes merged into fold
``f``'s boxes are chosen on the other folds only (``selection='crossfold'``, default), so every
box's merge was decided without its own ground truth. ``selection='same'`` is the report's
protocol (choose on all validation videos), for comparison.

Merging class ``c`` changes only column ``c`` (:func:`~mmaction_plugins.evaluation.
class_score_merge.merge_class_scores`), so one scoring pass with every candidate merged chooses
all classes. (Exactly so up to the official evaluator's cap of 50 detections per keyframe: the
rows of all classes compete for it, so merged scores can also move other classes' APs a little,
here and in the final scores.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mmaction_plugins.analysis.ava_predictions import AVAPredictions, score_ava_predictions
from mmaction_plugins.evaluation.class_score_merge import merge_class_scores, select_merge_classes

__all__ = ['SELECTIONS', 'MergeOutcome', 'cross_fold_merge', 'video_folds']

SELECTIONS = ('crossfold', 'same')


@dataclass
class MergeOutcome:
    """What :func:`cross_fold_merge` did.

    Attributes:
        merged: The main predictions with the chosen classes merged, fold by fold.
        folds: The videos of each fold.
        selected: Per fold, the classes merged into its boxes.
        selection_aps: Per fold, ``{class: (AP main, AP merged)}`` on its selection videos.
    """

    merged: AVAPredictions
    folds: list[list[str]]
    selected: list[list[int]]
    selection_aps: list[dict[int, tuple[float, float]]] = field(default_factory=list)


def video_folds(videos: Iterable[str], folds: int = 2) -> list[list[str]]:
    """Sorted videos dealt round-robin into ``folds`` folds (fewer if there are fewer videos)."""
    vids = sorted(set(videos))
    if folds < 1:
        raise ValueError(f'folds must be >= 1, got {folds}')
    k = max(1, min(folds, len(vids)))
    return [vids[i::k] for i in range(k)]


def cross_fold_merge(main: AVAPredictions, other: AVAPredictions, gt_csv: str,
                     label_map: dict[int, str], exclusions: str | None,
                     candidates: Sequence[int], mode: str = 'mean', weight: float = 0.5,
                     folds: int = 2, min_gain: float = 0.0, selection: str = 'crossfold'
                     ) -> MergeOutcome:
    """Merge ``other`` into ``main`` for the classes chosen on held-out folds.

    Args:
        main: Main-model predictions (all validation boxes).
        other: Specialist predictions of the same boxes (row-aligned; checked).
        gt_csv: Validation ground truth.
        label_map: Class id -> name of the scored classes.
        exclusions: Excluded-timestamps CSV.
        candidates: Classes that may be merged.
        mode: Merge mode (``'mean'``, ``'replace'``, ``'max'``).
        weight: Specialist weight of ``'mean'``.
        folds: Number of video folds.
        min_gain: AP gain (fraction) a class needs on the selection videos.
        selection: ``'crossfold'`` (choose on the other folds) or ``'same'`` (choose on all).

    Returns:
        :class:`MergeOutcome`.
    """
    if selection not in SELECTIONS:
        raise ValueError(f'selection must be one of {SELECTIONS}, got {selection!r}')
    main.check_same_boxes(other)
    candidates = sorted({int(c) for c in candidates})
    all_merged = merge_class_scores(main.scores, main.class_ids, other.scores, other.class_ids,
                                    candidates, mode, weight)
    merged_preds = main.with_scores(all_merged)
    parts = video_folds(main.video_ids.tolist(), folds)
    out_scores = main.scores.copy()
    selected: list[list[int]] = []
    aps: list[dict[int, tuple[float, float]]] = []
    for fold in parts:
        chooser = ([v for p in parts if p is not fold for v in p]
                   if selection == 'crossfold' and len(parts) > 1 else
                   [v for p in parts for v in p])
        # the whole label map, as the final scoring: the official 50-detections-per-keyframe
        # cap acts on the rows of every class
        ap_a = score_ava_predictions(main, gt_csv, label_map, exclusions, videos=chooser)
        ap_b = score_ava_predictions(merged_preds, gt_csv, label_map, exclusions, videos=chooser)
        chosen = select_merge_classes(ap_a, ap_b, candidates, min_gain)
        rows = np.isin(main.video_ids, np.array(fold, dtype=str))
        fold_scores = merge_class_scores(main.scores[rows], main.class_ids, other.scores[rows],
                                         other.class_ids, chosen, mode, weight)
        out_scores[rows] = fold_scores
        selected.append(chosen)
        aps.append({c: (ap_a.get(c, float('nan')), ap_b.get(c, float('nan')))
                    for c in candidates})
    return MergeOutcome(merged=main.with_scores(out_scores), folds=parts, selected=selected,
                        selection_aps=aps)
