"""Per-class AP-weighted ensembling of AVA-format result CSVs (the AVA-Kinetics 2020 winners'
"for each action class, assign ensemble weights to models according to their APs on this class",
after PFDet; seed report ``001``).

Inputs: ``M`` result CSVs (``video_id,timestamp,x1,y1,x2,y2,action_id,score``, as mmaction2's
``results2csv`` writes them) of models run on the same boxes, and for each model its per-class
validation APs. For every box and class the output score is ``sum_m w[m, c] * s_m(box, c)`` with

* ``weighted`` (default): ``w[m, c] = AP[m, c] / sum_m' AP[m', c]``;
* ``best``: ``w[m, c] = 1`` for the model with the highest AP on ``c`` (the first listed on ties);
* ``mean``: ``w[m, c] = 1 / M`` (APs not needed);

and a class whose APs are all zero (or unknown: ``null`` / NaN, e.g. no validation ground truth)
falls back to uniform weights ``1 / M`` in every mode.

Matching: rows are read with :func:`~mmaction_plugins.evaluation.ava_csv.read_ava_csv` (all rows,
no per-keyframe capacity; classes outside the class set are dropped, counted and logged) and a box
is identified by ``(video_id, timestamp, x1, y1, x2, y2)`` with the coordinates rounded to
``decimals`` decimals (so files written with different precision still match; boxes closer than
that merge). **A box missing from one file is an error** naming that file, the box key and a
file that has it (``skip_missing=True`` instead drops boxes not in every file and counts them per
file). A class absent for a box in one file (e.g. a model written with a score threshold) counts
as score 0 for that model; the same box and class twice in one file is an error naming both lines.

Output: one CSV written atomically (:func:`~mmaction_plugins.utils.atomic_io.atomic_write_text`):
the boxes in the order of their first line in the first file, with that file's coordinates (exact
shortest repr), 4-digit timestamps, and for every box each class seen in any file (ascending id)
with its ensembled score (``score_decimals`` decimals).

AP files: a JSON object ``{class_id or class name: AP}`` (names need a label map), or the AVA
scorer's output ``{"mAP": ..., "per_class": {name: AP or null}}``
(``python -m mmaction_plugins.evaluation ava --json``). ``null`` / NaN APs count as 0; negative or
infinite APs are errors. The class set is the label map's ids if one is given, else the union of
the AP files' classes; a class of the set missing from one AP file is an error naming the file
unless ``missing_ap`` gives a value for it.

Command line: ``python tools/ensemble_results.py --results A.csv B.csv --aps A.json B.json
--out OUT.csv [--mode weighted|best|mean] [--label-map MAP] ...`` (see :func:`build_parser`).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmaction_plugins.evaluation.ava_csv import AVACsv, read_ava_csv
from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

__all__ = ['MODES', 'EnsembleResult', 'build_parser', 'class_weights', 'ensemble_csvs',
           'load_class_aps', 'main']

logger = logging.getLogger(__name__)

MODES = ('weighted', 'best', 'mean')

PathLike = str | os.PathLike[str]


def load_class_aps(path: PathLike, label_map: Mapping[int, str] | None = None
                   ) -> dict[int, float]:
    """Read one model's per-class APs.

    Args:
        path: JSON ``{class_id or name: AP}`` or ``{"per_class": {...}, ...}``.
        label_map: class id -> name, needed for keys that are names.

    Returns:
        dict: class id -> AP (``null`` / NaN read as 0.0).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, encoding='utf-8') as f:
        try:
            obj = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not valid JSON: {e}') from None
    if isinstance(obj, dict) and isinstance(obj.get('per_class'), dict):
        obj = obj['per_class']
    if not isinstance(obj, dict) or not obj:
        raise ValueError(f'{path}: expected a non-empty JSON object {{class id or name: AP}}')
    by_name = {name: cid for cid, name in (label_map or {}).items()}
    out: dict[int, float] = {}
    for key, value in obj.items():
        text = str(key).strip()
        if text.lstrip('-').isdigit():
            cid = int(text)
        elif text in by_name:
            cid = by_name[text]
        elif label_map is None:
            raise ValueError(f'{path}: class {key!r} is a name: give a label map to resolve it')
        else:
            raise ValueError(f'{path}: class {key!r} is not in the label map')
        if cid in out:
            raise ValueError(f'{path}: class {cid} ({key!r}) given twice')
        if value is None:
            ap = 0.0
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f'{path}: AP of class {key!r} is not a number: {value!r}')
        else:
            ap = float(value)
            if math.isnan(ap):
                ap = 0.0
            elif ap < 0 or math.isinf(ap):
                raise ValueError(f'{path}: AP of class {key!r} must be finite and >= 0, got '
                                 f'{value!r}')
        out[cid] = ap
    return out


def class_weights(aps: np.ndarray, mode: str = 'weighted') -> np.ndarray:
    """Per-class ensemble weights of the models.

    Args:
        aps: ``(M, K)`` AP of model ``m`` on class ``k`` (>= 0; NaN read as 0).
        mode: ``'weighted'`` (AP-proportional), ``'best'`` (the best model per class, the first
            on ties) or ``'mean'`` (uniform).

    Returns:
        ``(M, K)`` float64 weights; every column sums to 1. Columns whose APs are all zero are
        uniform (``1 / M``) in every mode.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    aps = np.nan_to_num(np.asarray(aps, dtype=np.float64), nan=0.0)
    if aps.ndim != 2 or aps.shape[0] < 1:
        raise ValueError(f'expected (M, K) APs with M >= 1, got shape {aps.shape}')
    if (aps < 0).any() or not np.isfinite(aps).all():
        raise ValueError('APs must be finite and >= 0')
    m = aps.shape[0]
    uniform = np.full_like(aps, 1.0 / m)
    if mode == 'mean':
        return uniform
    total = aps.sum(axis=0)
    if mode == 'weighted':
        weights = aps / np.where(total > 0, total, 1.0)
    else:
        weights = np.zeros_like(aps)
        weights[np.argmax(aps, axis=0), np.arange(aps.shape[1])] = 1.0
    return np.where(total > 0, weights, uniform)


@dataclass
class EnsembleResult:
    """What :func:`ensemble_csvs` did.

    Attributes:
        class_ids: ``(K,)`` class ids of the weight columns.
        weights: ``(M, K)`` weight of each model on each class.
        num_boxes: boxes written.
        num_rows: rows written.
        skipped_boxes: per input file, its boxes dropped for missing from another file
            (``skip_missing`` only).
        dropped_rows: per input file, rows whose class is outside the class set.
    """

    class_ids: np.ndarray
    weights: np.ndarray
    num_boxes: int
    num_rows: int
    skipped_boxes: dict[str, int] = field(default_factory=dict)
    dropped_rows: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-able summary: counts and ``weights`` as ``{class_id: [w_0, ..., w_{M-1}]}``."""
        return {'num_boxes': self.num_boxes, 'num_rows': self.num_rows,
                'skipped_boxes': dict(self.skipped_boxes),
                'dropped_rows': dict(self.dropped_rows),
                'weights': {str(int(c)): self.weights[:, k].tolist()
                            for k, c in enumerate(self.class_ids.tolist())}}


def _box_key_text(key: np.ndarray, video_names: list[str], decimals: int) -> str:
    vid, ts, *q = key.tolist()
    coords = ', '.join(f'{v / 10 ** decimals:.{decimals}f}' for v in q)
    return f'({video_names[vid]}, {ts:04d}, {coords})'


def _class_set(label_map: Mapping[int, str] | None, aps: list[dict[int, float]]
               ) -> np.ndarray:
    if label_map is not None:
        return np.array(sorted(label_map), dtype=np.int64)
    ids = sorted(set().union(*aps)) if aps else []
    if not ids:
        raise ValueError('no class set: give AP files or a label map')
    return np.array(ids, dtype=np.int64)


def _ap_matrix(aps: list[dict[int, float]], paths: list[str], class_ids: np.ndarray,
               missing_ap: float | None) -> np.ndarray:
    out = np.zeros((len(aps), class_ids.size), dtype=np.float64)
    for m, (ap, path) in enumerate(zip(aps, paths)):
        for k, cid in enumerate(class_ids.tolist()):
            if cid in ap:
                out[m, k] = ap[cid]
            elif missing_ap is None:
                raise ValueError(f'{path}: no AP for class {cid} (give missing_ap / --missing-ap '
                                 f'to use a default)')
            else:
                out[m, k] = missing_ap
    return out


def ensemble_csvs(result_files: Sequence[PathLike], out_file: PathLike,
                  ap_files: Sequence[PathLike] | None = None, mode: str = 'weighted',
                  label_map: Mapping[int, str] | PathLike | None = None, decimals: int = 3,
                  skip_missing: bool = False, missing_ap: float | None = None,
                  score_decimals: int = 6) -> EnsembleResult:
    """Ensemble AVA result CSVs with per-class weights and write one result CSV atomically.

    Args:
        result_files: ``M`` AVA result CSVs (8 columns) of models run on the same boxes.
        out_file: The output CSV.
        ap_files: ``M`` per-class AP JSONs, in the order of ``result_files``; needed unless
            ``mode='mean'`` (where they only define the class set).
        mode: ``'weighted'``, ``'best'`` or ``'mean'`` (see :func:`class_weights`).
        label_map: class id -> name, or a label map file; defines the class set (else the AP
            files' classes do) and resolves class names in the AP files.
        decimals: Box coordinates are matched after rounding to this many decimals.
        skip_missing: Drop (and count) boxes missing from some file instead of raising.
        missing_ap: AP used for a class missing from an AP file; None raises.
        score_decimals: Decimals of the written scores.

    Returns:
        EnsembleResult: weights and counts.
    """
    paths = [os.fspath(p) for p in result_files]
    if not paths:
        raise ValueError('no result files given')
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    if decimals < 0 or score_decimals < 0:
        raise ValueError('decimals and score_decimals must be >= 0')
    if missing_ap is not None and not (math.isfinite(missing_ap) and missing_ap >= 0):
        raise ValueError(f'missing_ap must be finite and >= 0, got {missing_ap}')
    if isinstance(label_map, str | os.PathLike):
        from mmaction_plugins.evaluation.label_map import read_label_map

        label_map = read_label_map(label_map)
    ap_paths = [os.fspath(p) for p in ap_files or []]
    if ap_paths and len(ap_paths) != len(paths):
        raise ValueError(f'{len(paths)} result files but {len(ap_paths)} AP files: give one AP '
                         f'file per result file, in the same order')
    if not ap_paths and mode != 'mean':
        raise ValueError(f'mode {mode!r} needs one AP file per result file')
    aps = [load_class_aps(p, label_map) for p in ap_paths]
    class_ids = _class_set(label_map, aps)
    ap_matrix = (_ap_matrix(aps, ap_paths, class_ids, missing_ap) if ap_paths
                 else np.zeros((len(paths), class_ids.size)))
    weights = class_weights(ap_matrix, mode)

    # read every file; one integer key row per CSV row: video, timestamp, rounded x1 y1 x2 y2
    class_set = frozenset(class_ids.tolist())
    video_code: dict[str, int] = {}
    tables: list[AVACsv] = []
    row_keys: list[np.ndarray] = []
    scale = 10.0 ** decimals
    for path in paths:
        t = read_ava_csv(path, class_set, capacity=0)
        codes = np.array([video_code.setdefault(v, len(video_code)) for v in t.video_ids.tolist()],
                         dtype=np.int64)
        xyxy = t.boxes[:, [1, 0, 3, 2]]
        q = np.round(xyxy * scale).astype(np.int64)
        key = np.concatenate([codes[t.frame][:, None], t.timestamps[t.frame][:, None], q], axis=1)
        tables.append(t)
        row_keys.append(key.reshape(-1, 6))
    video_names = list(video_code)
    dropped = {p: int(t.stats.get('unknown_class', 0)) for p, t in zip(paths, tables)}

    # boxes of each file, then the union of all boxes
    box_keys, box_of_row = [], []
    for path, t, key in zip(paths, tables, row_keys):
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        cls = np.searchsorted(class_ids, t.labels)
        pair = inv * class_ids.size + cls
        order = np.argsort(pair, kind='stable')
        dup = np.flatnonzero(pair[order][1:] == pair[order][:-1])
        if dup.size:
            a, b = sorted((order[dup[0]], order[dup[0] + 1]), key=lambda r: t.lines[r])
            box = _box_key_text(key[a], video_names, decimals)
            raise ValueError(f'{path}:{t.lines[b]}: box {box} and class {t.labels[a]} already '
                             f'at line {t.lines[a]}')
        box_keys.append(uniq.reshape(-1, 6))
        box_of_row.append(inv)
    all_keys, inv_all = np.unique(np.concatenate(box_keys), axis=0, return_inverse=True)
    inv_all = inv_all.reshape(-1)
    n_box = all_keys.shape[0]
    splits = np.cumsum([k.shape[0] for k in box_keys])[:-1]
    union_of_box = np.split(inv_all, splits)  # per file: its boxes' union index
    present = np.zeros((len(paths), n_box), dtype=bool)
    for m, u in enumerate(union_of_box):
        present[m, u] = True
    complete = present.all(axis=0)
    skipped: dict[str, int] = {}
    if not complete.all():
        if not skip_missing:
            for m, path in enumerate(paths):
                missing = np.flatnonzero(~present[m])
                if missing.size:
                    first = int(missing[0])
                    other = paths[int(np.argmax(present[:, first]))]
                    box = _box_key_text(all_keys[first], video_names, decimals)
                    raise ValueError(
                        f'{path}: no box {box} '
                        f'(video_id, timestamp, x1, y1, x2, y2 rounded to {decimals} decimals), '
                        f'which {other} has; ensembled files must hold the same boxes '
                        f'(skip_missing / --skip-missing drops such boxes)')
        for m, path in enumerate(paths):
            skipped[path] = int((present[m] & ~complete).sum())
        logger.warning('dropped %d boxes that are not in every file (per file: %s)',
                       int((~complete).sum()), skipped)

    # weighted sum over the models; a class absent for a box in one file adds 0
    scores = np.zeros((n_box, class_ids.size), dtype=np.float64)
    seen = np.zeros((n_box, class_ids.size), dtype=bool)
    for m, t in enumerate(tables):
        u = union_of_box[m][box_of_row[m]]
        cls = np.searchsorted(class_ids, t.labels)
        scores[u, cls] += weights[m, cls] * t.scores  # (box, class) unique within a file
        seen[u, cls] = True

    # output order and coordinates: the first file's
    t0, u0 = tables[0], union_of_box[0][box_of_row[0]]
    first_line = np.full(n_box, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_line, u0, t0.lines)
    is_first = t0.lines == first_line[u0]  # one row per box (line numbers are unique)
    first_row = np.full(n_box, -1, dtype=np.int64)
    first_row[u0[is_first]] = np.flatnonzero(is_first)
    boxes_out = [u for u in np.argsort(first_line, kind='stable').tolist()
                 if complete[u] and first_row[u] >= 0]
    lines_out: list[str] = []
    fmt = f'.{score_decimals}f'
    for u in boxes_out:
        r = int(first_row[u])
        vid = t0.video_ids[t0.frame[r]]
        ts = int(t0.timestamps[t0.frame[r]])
        y1, x1, y2, x2 = (float(v) for v in t0.boxes[r])
        prefix = f'{vid},{ts:04d},{x1!r},{y1!r},{x2!r},{y2!r}'
        for k in np.flatnonzero(seen[u]).tolist():
            lines_out.append(f'{prefix},{int(class_ids[k])},{format(scores[u, k], fmt)}\n')
    atomic_write_text(out_file, ''.join(lines_out))
    return EnsembleResult(class_ids=class_ids, weights=weights, num_boxes=len(boxes_out),
                          num_rows=len(lines_out), skipped_boxes=skipped, dropped_rows=dropped)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tools/ensemble_results.py``."""
    p = argparse.ArgumentParser(
        prog='python tools/ensemble_results.py',
        description='Per-class AP-weighted ensembling of AVA result CSVs (same boxes per '
                    'keyframe) into one result CSV.')
    p.add_argument('--results', nargs='+', required=True, help='AVA result CSVs, one per model')
    p.add_argument('--aps', nargs='+',
                   help='per-class validation AP JSONs, one per model in the order of --results '
                        '({class id or name: AP} or the AVA scorer\'s --json output); not '
                        'needed with --mode mean')
    p.add_argument('--out', required=True, help='output CSV (written atomically)')
    p.add_argument('--mode', choices=MODES, default='weighted',
                   help='weighted: AP_m,c / sum_m AP_m,c; best: the best model per class; mean: '
                        'uniform. A class whose APs are all 0 is uniform. Default: weighted')
    p.add_argument('--label-map', help='pbtxt or "id: name" label map: the class set, and class '
                                       'names in the AP files')
    p.add_argument('--decimals', type=int, default=3,
                   help='box coordinates are matched after rounding to this many decimals '
                        '(default 3)')
    p.add_argument('--skip-missing', action='store_true',
                   help='drop boxes missing from some file (counted) instead of failing')
    p.add_argument('--missing-ap', type=float,
                   help='AP for a class missing from an AP file (default: fail)')
    p.add_argument('--score-decimals', type=int, default=6, help='decimals of the scores')
    p.add_argument('--summary-json', help='write counts and the per-class weights here')
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 on bad input, with a message)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')
    try:
        res = ensemble_csvs(args.results, args.out, ap_files=args.aps, mode=args.mode,
                            label_map=args.label_map, decimals=args.decimals,
                            skip_missing=args.skip_missing, missing_ap=args.missing_ap,
                            score_decimals=args.score_decimals)
    except (ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'{args.out}: {res.num_boxes} boxes, {res.num_rows} rows from {len(args.results)} '
          f'files ({args.mode})')
    for path, n in res.skipped_boxes.items():
        if n:
            print(f'  {path}: {n} boxes skipped (not in every file)')
    for path, n in res.dropped_rows.items():
        if n:
            print(f'  {path}: {n} rows dropped (class outside the class set)')
    if args.summary_json:
        atomic_write_json(args.summary_json, res.to_json())
    return 0
