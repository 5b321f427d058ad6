"""Evaluation noise of an ablation's claims: each claim's difference, on one seed, under a paired
video bootstrap of the validation set (:mod:`mmaction_plugins.evaluation.ava_bootstrap`).

A claims table compares ``row − baseline`` on a class group with its spread over seeds. That
spread mixes two things: evaluation noise (which validation videos were drawn) and training noise
(another dataset and initialisation). The bootstrap std of one seed's difference measures the
first alone; a seed spread far above it is training noise, which only more seeds (or less noisy
training) reduce, while a spread close to it would shrink with a larger validation split.
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ['NOISE_NOTE', 'claim_key', 'claim_noise', 'class_id_groups', 'match_detections',
           'mean_noise_std', 'seed_noise']

#: The sentence under a claims table with the noise column (``.format(n_boot=...)``).
NOISE_NOTE = ("The last column is the evaluation noise of one seed's difference: its standard "
              'deviation over {n_boot} resamples of the validation videos (paired: both rows '
              'scored on the same resample), averaged over the seeds. A seed spread far above it '
              'is training noise (another dataset and initialisation), which a larger validation '
              'split would not remove.')


def claim_key(row: str, base: str, group: str) -> str:
    """Key of a claim in :func:`claim_noise`'s result (``'acar − linear @ relation'``)."""
    return f'{row} − {base} @ {group}'


def seed_noise(per_seed: Mapping[int, Mapping[str, Any]]
               ) -> dict[int, Mapping[str, Mapping[str, float]]] | None:
    """``{seed: its '_noise'}`` of an ablation's per-seed results, or None unless every seed
    has one (a seed scored before the column existed: no column rather than a partial one)."""
    if not all('_noise' in r for r in per_seed.values()):
        return None
    return {s: r['_noise'] for s, r in per_seed.items()}


def mean_noise_std(noise: Mapping[int, Mapping[str, Mapping[str, float]]], key: str,
                   digits: int = 2) -> str:
    """The cell of a noise column: claim ``key``'s bootstrap std averaged over the seeds that
    have it, formatted (``-`` when none has)."""
    stds = [noise[s][key]['std'] for s in sorted(noise) if key in noise[s]]
    return f'{sum(stds) / len(stds):.{digits}f}' if stds else '-'


def class_id_groups(label_map: Mapping[int, str], groups: Mapping[str, str] | None,
                    source: str = 'class groups') -> dict[str, list[int]]:
    """``{'overall': every id, <group>: ids}`` of a label map.

    Args:
        label_map: Class id -> name.
        groups: Class name -> group (:func:`~mmaction_plugins.analysis.class_groups`); None:
            AVA's three id ranges (:data:`~mmaction_plugins.evaluation.ava.AVA_GROUPS`), groups
            without a class of the map left out.
        source: What ``groups`` came from, for the error.

    Raises:
        ValueError: a class of the label map has no group.
    """
    from mmaction_plugins.evaluation.ava import AVA_GROUPS

    out: dict[str, list[int]] = {'overall': sorted(label_map)}
    if groups is not None:
        for cid in sorted(label_map):
            name = label_map[cid]
            if name not in groups:
                raise ValueError(f'{source}: class {name!r} (id {cid}) of the label map has no '
                                 'group')
            out.setdefault(groups[name], []).append(cid)
        return out
    for name, (lo, hi) in AVA_GROUPS.items():
        ids = [c for c in sorted(label_map) if lo <= c <= hi]
        if ids:
            out[name] = ids
    return out


def match_detections(det: Any, gt: str, label_map: Mapping[int, str], exclusions: str | None
                     ) -> Any:
    """:class:`~mmaction_plugins.evaluation.ava.AVAMatches` of one model's detections against
    ``gt`` (official matching).

    Args:
        det: An AVA result CSV path, a predictions ``.npz`` path
            (:func:`~mmaction_plugins.analysis.ava_predictions.save_predictions`) or
            :class:`~mmaction_plugins.analysis.ava_predictions.AVAPredictions`.
        gt: Ground-truth AVA CSV.
        label_map: Class id -> name.
        exclusions: Excluded-timestamps CSV or None.

    Raises:
        FileNotFoundError: ``det`` is a path that does not exist.
    """
    from mmaction_plugins.analysis.ava_predictions import (
        AVAPredictions,
        load_predictions,
        match_ava_predictions,
    )
    from mmaction_plugins.evaluation.ava import match_ava

    if isinstance(det, AVAPredictions):
        return match_ava_predictions(det, gt, dict(label_map), exclusions)
    if not osp.isfile(det):
        raise FileNotFoundError(f'{det}: no such file')
    if str(det).endswith('.npz'):
        return match_ava_predictions(load_predictions(det), gt, dict(label_map), exclusions)
    return match_ava(gt, det, dict(label_map), exclusions)


def claim_noise(detections: Mapping[str, Any], anno_dir: str, groups: Mapping[str, str],
                claims: Sequence[tuple[str, str, str, str]], n_boot: int = 1000, seed: int = 0
                ) -> dict[str, dict[str, float]]:
    """The paired video bootstrap of every claim's ``row − baseline`` on one seed.

    Args:
        detections: Row -> its validation detections: an AVA result CSV path, a predictions
            ``.npz`` path or :class:`~mmaction_plugins.analysis.ava_predictions.AVAPredictions`.
        anno_dir: The benchmark's AVA annotation folder (``ava_val.csv``,
            ``ava_val_excluded_timestamps.csv``, ``ava_action_list.pbtxt``).
        groups: Class name -> group.
        claims: ``(row, baseline, group, text)``; claims whose rows are missing are skipped.
        n_boot: Resamples.
        seed: Resampling seed.

    Returns:
        :func:`claim_key` -> ``{'diff', 'std', 'low', 'high'}`` (AP in %, 95 % interval).
    """
    from mmaction_plugins.evaluation.ava_bootstrap import paired_group_difference
    from mmaction_plugins.evaluation.label_map import read_label_map

    gt = osp.join(anno_dir, 'ava_val.csv')
    excl = osp.join(anno_dir, 'ava_val_excluded_timestamps.csv')
    label_map = read_label_map(osp.join(anno_dir, 'ava_action_list.pbtxt'))
    id_groups = class_id_groups(label_map, groups)
    matches: dict[str, Any] = {}

    def matched(row: str) -> Any:
        if row not in matches:
            matches[row] = match_detections(detections[row], gt, label_map, excl)
        return matches[row]

    out: dict[str, dict[str, float]] = {}
    for row, base, group, _ in claims:
        if row not in detections or base not in detections:
            continue
        d = paired_group_difference(matched(base), matched(row), {group: id_groups[group]},
                                    n_boot=n_boot, seed=seed)[group]
        out[claim_key(row, base, group)] = {'diff': 100 * d.observed, 'std': 100 * d.std,
                                            'low': 100 * d.low, 'high': 100 * d.high}
    return out
