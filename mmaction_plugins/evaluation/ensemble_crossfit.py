"""Per-class AP-weighted ensembling scored honestly on one validation set: cross-fitted weights.

The seed-001 winners weight each model's class scores by its AP on that class *on the validation
set*, then submit on the test set. With only one labelled split (the synthetic benchmark, an
ablation), scoring the ensemble on the very videos its weights were fitted on would flatter it.
:func:`crossfit_ensemble` splits the validation videos into ``folds`` groups (sorted video ids,
dealt round-robin, so the split is deterministic and needs no RNG); the boxes of fold ``f`` are
ensembled with weights from every model's per-class APs on the *other* folds
(:func:`~.ensemble.ensemble_csvs`), and the folds' outputs are concatenated into one result CSV
that is then scored like any model's.
"""

from __future__ import annotations

import os
import os.path as osp
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from mmaction_plugins.evaluation.ava import evaluate_ava
from mmaction_plugins.evaluation.ensemble import ensemble_csvs
from mmaction_plugins.evaluation.label_map import read_label_map
from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

__all__ = ['crossfit_ensemble', 'video_folds']

PathLike = str | os.PathLike[str]


def _video_of(line: str) -> str:
    return line.split(',', 1)[0]


def video_folds(videos: Sequence[str], folds: int) -> dict[str, int]:
    """Video id -> fold: the sorted ids dealt round-robin into ``folds`` groups."""
    if folds < 2:
        raise ValueError(f'folds must be >= 2, got {folds}')
    ids = sorted(set(videos))
    if len(ids) < folds:
        raise ValueError(f'{len(ids)} videos cannot make {folds} folds')
    return {v: i % folds for i, v in enumerate(ids)}


def _filter(path: PathLike, keep: set[str], out: str) -> str:
    with open(path, encoding='utf-8') as f:
        lines = [ln for ln in f if ln.strip() and _video_of(ln) in keep]
    with open(out, 'w', encoding='utf-8') as f:
        f.writelines(lines)
    return out


def crossfit_ensemble(result_files: Sequence[PathLike], gt_csv: PathLike,
                      label_map: PathLike | Mapping[int, str], out_file: PathLike,
                      exclusions: PathLike | None = None, folds: int = 2,
                      mode: str = 'weighted') -> dict[str, Any]:
    """Ensemble ``M`` AVA result CSVs with per-class AP weights fitted on other folds.

    Args:
        result_files: AVA result CSVs of ``M`` models on the same boxes of the same videos.
        gt_csv: Ground truth of those videos.
        label_map: pbtxt / ``id: name`` file or ``{id: name}``.
        out_file: The ensembled CSV (written atomically).
        exclusions: Excluded keyframes CSV (applied when the fold APs are computed).
        folds: Number of video folds. Defaults to 2.
        mode: ``'weighted'``, ``'best'`` or ``'mean'`` (:func:`~.ensemble.class_weights`).

    Returns:
        dict: per fold, its ``videos``, the models' per-class ``aps`` on the other folds and the
        ``weights`` used (``{class_id: [w_0, ..., w_{M-1}]}``); also written next to
        ``out_file`` as ``<out_file>.weights.json``.
    """
    lm = dict(label_map) if isinstance(label_map, Mapping) else read_label_map(label_map)
    with open(gt_csv, encoding='utf-8') as f:
        videos = [_video_of(ln) for ln in f if ln.strip()]
    fold_of = video_folds(videos, folds)
    report: dict[str, Any] = {'mode': mode, 'folds': {}}
    parts: list[str] = []
    with tempfile.TemporaryDirectory(prefix='ensemble_crossfit_') as tmp:
        for fold in range(folds):
            here = {v for v, f in fold_of.items() if f == fold}
            other = set(fold_of) - here
            gt_other = _filter(gt_csv, other, osp.join(tmp, f'gt_other{fold}.csv'))
            ap_files, fold_results = [], []
            aps_json = []
            for m, path in enumerate(result_files):
                det_other = _filter(path, other, osp.join(tmp, f'o{fold}_{m}.csv'))
                res = evaluate_ava(gt_other, det_other, lm, exclusions)
                aps = {str(c): (None if ap is None else float(ap))
                       for c, ap in res.per_class_id.items()}
                ap_path = osp.join(tmp, f'ap{fold}_{m}.json')
                atomic_write_json(ap_path, aps)
                ap_files.append(ap_path)
                aps_json.append(aps)
                fold_results.append(_filter(path, here, osp.join(tmp, f'h{fold}_{m}.csv')))
            out = osp.join(tmp, f'ens{fold}.csv')
            ens = ensemble_csvs(fold_results, out, ap_files, mode=mode, label_map=lm)
            with open(out, encoding='utf-8') as f:
                parts.append(f.read())
            report['folds'][str(fold)] = {'videos': sorted(here), 'aps': aps_json,
                                          'weights': ens.to_json()['weights']}
    atomic_write_text(out_file, ''.join(parts))
    atomic_write_json(f'{os.fspath(out_file)}.weights.json', report)
    return report
