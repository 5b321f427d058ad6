"""Video-clustered bootstrap of AVA frame-AP: how much of a difference is evaluation noise.

An ablation's table says "B beats A by 1.2 AP on the relation classes". Part of any such number is
the luck of which validation videos were drawn: keyframes of one video share actors, scenes and
action episodes, so they are not independent samples. The bootstrap here resamples *videos* with
replacement (the cluster bootstrap), recomputes every class's AP with the official arithmetic on
each resample (:meth:`~.ava.AVAMatches.class_ap`: the detections are matched once, a video drawn
k times counts its boxes k times) and, for two models scored on the same ground truth, uses the
*same* resamples for both (a paired bootstrap), so that what the two rankings share cancels.

What it measures is the evaluation-sampling noise of one trained pair on one validation set; it
says nothing about training noise (another initialisation or training set), which only more
seeds measure. Comparing the two tells which one a spread over seeds is made of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mmaction_plugins.evaluation.ava import AVAMatches

__all__ = ['GroupDifference', 'bootstrap_class_ap', 'group_ap', 'paired_group_difference']


def _common_videos(matches: Sequence[AVAMatches]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The union of the matches' videos and each one's video index into it.

    Raises:
        ValueError: the matches do not share ``num_class`` or the ground truth per video.
    """
    if not matches:
        raise ValueError('no matches to bootstrap')
    num_class = matches[0].num_class
    videos = np.unique(np.concatenate([m.videos for m in matches]).astype(str))
    maps = [np.searchsorted(videos, m.videos.astype(str)) for m in matches]
    gt_ref = np.zeros((videos.size, num_class + 1), dtype=np.int64)
    gt_ref[maps[0]] = matches[0].gt_count
    for i, (m, vmap) in enumerate(zip(matches, maps)):
        if m.num_class != num_class:
            raise ValueError(f'matches {i} has {m.num_class} classes, matches 0 has {num_class}')
        gt = np.zeros_like(gt_ref)
        gt[vmap] = m.gt_count
        if not np.array_equal(gt, gt_ref):
            bad = videos[np.flatnonzero((gt != gt_ref).any(axis=1))[0]]
            raise ValueError(f'matches {i} was scored against other ground truth than matches 0 '
                             f'(first differing video: {bad}); a paired bootstrap needs the same '
                             'ground truth, exclusions and label map')
    return videos, maps


def bootstrap_class_ap(matches: Sequence[AVAMatches], n_boot: int = 1000, seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Per-class AP of every model on the full set and on ``n_boot`` shared video resamples.

    Args:
        matches: M models' matches against the same ground truth (:func:`~.ava.match_ava`).
        n_boot: Number of resamples (each draws as many videos as there are, with replacement).
        seed: Seed of the resampling.

    Returns:
        tuple: ``(observed, replicates)``: ``(M, C)`` and ``(n_boot, M, C)`` float64 AP (fractions)
        of class ids ``1..C`` (``C = num_class``); NaN where the (resampled) ground truth has no
        box of the class.
    """
    if n_boot < 1:
        raise ValueError(f'n_boot must be >= 1, got {n_boot}')
    videos, maps = _common_videos(matches)
    num_class = matches[0].num_class
    classes = range(1, num_class + 1)
    observed = np.array([[m.class_ap(c) for c in classes] for m in matches])
    rng = np.random.default_rng(seed)
    reps = np.empty((n_boot, len(matches), num_class))
    for b in range(n_boot):
        counts = np.bincount(rng.integers(0, videos.size, videos.size), minlength=videos.size)
        for i, (m, vmap) in enumerate(zip(matches, maps)):
            w = counts[vmap]
            reps[b, i] = [m.class_ap(c, w) for c in classes]
    return observed, reps


def group_ap(ap: np.ndarray, groups: Mapping[str, Sequence[int]]) -> dict[str, np.ndarray]:
    """Mean AP over each group's class ids, NaN classes left out (the official ``nanmean``).

    Args:
        ap: ``(..., C)`` AP of class ids ``1..C``.
        groups: group name -> class ids.

    Returns:
        group name -> ``(...)`` mean (NaN where every class of the group is NaN).
    """
    out = {}
    for name, ids in groups.items():
        cols = ap[..., [c - 1 for c in ids]]
        n = (~np.isnan(cols)).sum(axis=-1)
        total = np.nansum(cols, axis=-1)
        out[name] = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    return out


@dataclass(frozen=True)
class GroupDifference:
    """``b − a`` of one class group's mean AP (fractions), with its bootstrap distribution.

    Attributes:
        a: The baseline's group mean on the full validation set.
        b: The compared model's group mean on the full validation set.
        observed: ``b − a``.
        std: Standard deviation over the resamples (the evaluation-noise std).
        low: Lower end of the percentile interval.
        high: Upper end of the percentile interval.
        share_not_positive: Share of resamples where ``b − a <= 0``.
        n_boot: Resamples with a defined difference (the group had ground truth).
    """

    a: float
    b: float
    observed: float
    std: float
    low: float
    high: float
    share_not_positive: float
    n_boot: int


def paired_group_difference(a: AVAMatches, b: AVAMatches, groups: Mapping[str, Sequence[int]],
                            n_boot: int = 1000, seed: int = 0, level: float = 0.95
                            ) -> dict[str, GroupDifference]:
    """Paired video bootstrap of ``b − a`` per class group.

    Args:
        a: Matches of the baseline.
        b: Matches of the model compared with it (same ground truth).
        groups: Group name -> class ids (e.g. ``{'overall': all ids, 'relation': [...]}``).
        n_boot: Resamples.
        seed: Resampling seed.
        level: Coverage of the percentile interval.

    Returns:
        Group name -> :class:`GroupDifference`.
    """
    if not 0 < level < 1:
        raise ValueError(f'level must be in (0, 1), got {level}')
    observed, reps = bootstrap_class_ap([a, b], n_boot, seed)
    obs = group_ap(observed, groups)
    rep = group_ap(reps, groups)
    out = {}
    tail = (1 - level) / 2
    for name in groups:
        a_obs, b_obs = float(obs[name][0]), float(obs[name][1])
        diff = rep[name][:, 1] - rep[name][:, 0]
        diff = diff[~np.isnan(diff)]
        if diff.size == 0:
            nan = float('nan')
            out[name] = GroupDifference(a_obs, b_obs, b_obs - a_obs, nan, nan, nan, nan, 0)
            continue
        out[name] = GroupDifference(
            a=a_obs, b=b_obs, observed=b_obs - a_obs,
            std=float(diff.std(ddof=1)) if diff.size > 1 else 0.0,
            low=float(np.quantile(diff, tail)), high=float(np.quantile(diff, 1 - tail)),
            share_not_positive=float((diff <= 0).mean()), n_boot=int(diff.size))
    return out
