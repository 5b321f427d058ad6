"""Class groups of the synthetic benchmark and per-group means of per-class metrics.

Every synthetic class belongs to one *capability* group (``pose``, ``motion``, ``context``,
``relation``, ``long-term``, ``arm``; the benchmark's README explains what each needs), listed in
the data's ``manifest.json``. A second, data-driven split orders the classes by how often they are
labelled in the training annotations: the rarest ``tail_fraction`` of them are ``tail``, the most
frequent ``tail_fraction`` are ``head`` (the long-tail groups of decoupled learning).
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ['CHANCE_ROW', 'class_groups', 'class_prevalence', 'frequency_groups', 'group_means',
           'overall_and_group_means', 'val_prevalence']

#: name of the reference row the ablation tables add: the class prevalence (chance AP)
CHANCE_ROW = 'chance (val class prevalence)'


def class_groups(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Class name → capability group, from a synthetic benchmark's manifest.

    Raises:
        ValueError: the manifest lists no classes.
    """
    classes = manifest.get('classes') or []
    if not classes:
        raise ValueError('manifest has no "classes" list (not a synthetic benchmark manifest?)')
    return {str(c['name']): str(c['group']) for c in classes}


def _read_actions(ava_csv: str) -> list[tuple[tuple[str, ...], int]]:
    """``(person key, action id)`` per row of an AVA-layout CSV (the key: video, second, box,
    person id)."""
    rows = []
    with open(ava_csv, encoding='utf-8', newline='') as f:
        for line, row in enumerate(csv.reader(f), 1):
            if not row:
                continue
            try:
                rows.append((tuple(row[:6]) + tuple(row[7:8]), int(row[6])))
            except (IndexError, ValueError):
                raise ValueError(f'{ava_csv}:{line}: no integer action id in column 7: {row}'
                                 ) from None
    return rows


def class_prevalence(ava_csv: str, label_map: Mapping[int, str]) -> dict[str, float]:
    """Class name → share of the labelled person-keyframes of ``ava_csv`` that carry it.

    It is the expected AP of a scorer that ranks the ground-truth persons at random: the chance
    level an ablation row must rise above before its group means anything.

    Args:
        ava_csv: An AVA-layout annotation CSV (``video, second, x1, y1, x2, y2, action, person``).
        label_map: Class id → name (classes never labelled get 0).

    Raises:
        ValueError: a row with a bad action id (file and line named), or no rows at all.
    """
    rows = _read_actions(ava_csv)
    persons = {key for key, _ in rows}
    if not persons:
        raise ValueError(f'{ava_csv}: no labelled person')
    counts = Counter(a for _, a in set(rows))
    return {name: counts.get(i, 0) / len(persons) for i, name in label_map.items()}


def val_prevalence(anno_dir: str) -> dict[str, float]:
    """Class name → prevalence in percent (:func:`class_prevalence`) over the validation split
    of a synthetic benchmark's AVA annotations (``<anno_dir>/ava_val.csv`` and
    ``ava_action_list.pbtxt``)."""
    import os.path as osp

    from mmaction_plugins.evaluation.label_map import read_label_map

    prev = class_prevalence(osp.join(anno_dir, 'ava_val.csv'),
                            read_label_map(osp.join(anno_dir, 'ava_action_list.pbtxt')))
    return {c: 100 * v for c, v in prev.items()}


def frequency_groups(ava_csv: str, label_map: Mapping[int, str], tail_fraction: float = 1 / 3
                     ) -> dict[str, str]:
    """Class name → ``'head'`` / ``'tail'`` by the number of labelled person-keyframes.

    Args:
        ava_csv: An AVA-layout annotation CSV (``video, second, x1, y1, x2, y2, action, person``).
        label_map: Class id → name (classes never labelled count 0).
        tail_fraction: Share of the classes in each of the two groups (rounded down, at least
            one); the classes in between are ``'mid'``. Ties keep label-map order.

    Returns:
        dict: Every class of ``label_map``.

    Raises:
        ValueError: a row with a bad action id (file and line named).
    """
    if not 0 < tail_fraction <= 0.5:
        raise ValueError(f'tail_fraction must be in (0, 0.5], got {tail_fraction}')
    counts = Counter(a for _, a in _read_actions(ava_csv))
    ids = sorted(label_map, key=lambda i: counts.get(i, 0), reverse=True)  # stable: ties in order
    k = max(1, int(len(ids) * tail_fraction))
    out = {label_map[i]: 'mid' for i in ids}
    for i in ids[:k]:
        out[label_map[i]] = 'head'
    for i in ids[-k:]:
        out[label_map[i]] = 'tail'
    return out


def group_means(per_class: Mapping[str, float], groups: Mapping[str, str],
                order: Iterable[str] | None = None) -> dict[str, float]:
    """Mean of a per-class metric over each group's classes (classes with a NaN value — no
    ground truth — left out; a group with no value left is NaN).

    Args:
        per_class: Class name → value.
        groups: Class name → group; classes missing from ``per_class`` are skipped.
        order: Groups to report, in this order (default: first appearance in ``groups``).

    Returns:
        dict: Group → mean.
    """
    names = list(dict.fromkeys(groups.values())) if order is None else list(order)
    out = {}
    for g in names:
        vals = [float(per_class[c]) for c, gc in groups.items()
                if gc == g and c in per_class and not math.isnan(float(per_class[c]))]
        out[g] = sum(vals) / len(vals) if vals else math.nan
    return out


def overall_and_group_means(per_class: Mapping[str, float], *groupings: Mapping[str, str]
                            ) -> dict[str, float]:
    """``{'overall': mean over every class, <group>: mean, ...}`` of a per-class metric: the row
    of an ablation table (NaN values — no ground truth — left out of every mean; NaN where
    nothing is left).

    Args:
        per_class: Class name → value.
        groupings: Class name → group maps (e.g. capability and frequency groups); the groups
            of each follow ``overall`` in :func:`group_means`' order.
    """
    vals = [float(v) for v in per_class.values() if not math.isnan(float(v))]
    out = {'overall': sum(vals) / len(vals) if vals else math.nan}
    for groups in groupings:
        out.update(group_means(per_class, groups))
    return out
