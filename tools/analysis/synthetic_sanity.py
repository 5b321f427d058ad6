"""Sanity table of the synthetic STAD benchmark: which class groups a single box crop can solve.

For every class group it reports the AVA frame-mAP@0.5 (the official-semantics scorer,
:func:`mmaction_plugins.evaluation.evaluate_ava`, with the validation exclusions) of

(a) an *oracle* that sees only the actor's box crop from the keyframe — ground-truth box, pixels
    resized to a fixed size plus the box's aspect ratio, a ridge-regression one-vs-rest classifier
    on colour thumbnails and gradient-orientation histograms trained on the training split —, and
(b) *chance*: uniform random scores on the same boxes (mean of several seeds).

Pose classes must be solvable by (a); motion, context, relation, long-term and arm classes must
not be. Part states (Kinetics-TPS, read from ``tps/annotations``) are scored the same way as
extra AVA-format classes ``part:state``.

Usage::

    python tools/analysis/synthetic_sanity.py DATA_DIR [DATA_DIR ...] [--json J] [--markdown M]

``DATA_DIR`` is an output of ``python -m mmaction_plugins.datasets.synthetic``; with several
(e.g. one per seed) the tables give mean ± std over them.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import tempfile
from collections import defaultdict

import cv2
import numpy as np

from mmaction_plugins.datasets.synthetic.classes import CLASSES, GROUPS, PART_STATES, TPS_PARTS
from mmaction_plugins.evaluation import evaluate_ava
from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

FPS, TS_START = 30, 900
THUMB, GRAD = 16, 32
CHANCE_SEEDS = 5
RIDGE = 30.0

Key = tuple[str, int, int]  # video, timestamp, person


def read_gt(path: str) -> tuple[dict[Key, tuple[float, ...]], dict[Key, set[int]]]:
    """AVA CSV -> (box per person-keyframe, label set per person-keyframe)."""
    boxes: dict[Key, tuple[float, ...]] = {}
    labels: dict[Key, set[int]] = defaultdict(set)
    with open(path, encoding='utf-8') as f:
        for line in f:
            p = line.strip().split(',')
            key = (p[0], int(p[1]), int(p[7]))
            boxes[key] = tuple(float(v) for v in p[2:6])
            labels[key].add(int(p[6]))
    return boxes, labels


def part_labels(data: str, keys: list[Key]) -> dict[Key, set[int]]:
    """Part-state labels (ids of :func:`part_classes`) of each person-keyframe, from TPS files."""
    ids = {name: i + 1 for i, name in enumerate(part_classes())}
    docs: dict[str, dict] = {}
    out: dict[Key, set[int]] = {}
    for vid, ts, person in keys:
        if vid not in docs:
            for split in ('train', 'val'):
                path = osp.join(data, 'tps', 'annotations', split, f'{vid}.json')
                if osp.isfile(path):
                    with open(path, encoding='utf-8') as f:
                        docs[vid] = {fr['frame']: fr for fr in json.load(f)['frames']}
        frame = docs[vid][(ts - TS_START) * FPS + 1]
        person_doc = next(p for p in frame['persons'] if p['person_id'] == person)
        out[(vid, ts, person)] = {ids[f'{p["name"]}:{p["state"]}'] for p in person_doc['parts']}
    return out


def part_classes() -> list[str]:
    """``part:state`` names, the extra classes scored for the part-state group."""
    return [f'{part}:{state}' for part in TPS_PARTS for state in PART_STATES[part]]


def features(data: str, keys: list[Key], boxes: dict[Key, tuple[float, ...]]) -> np.ndarray:
    """Box-crop features of each person-keyframe: the keyframe's pixels inside the box only."""
    feats = []
    cache: dict[tuple[str, int], np.ndarray] = {}
    for key in keys:
        vid, ts, _ = key
        if (vid, ts) not in cache:
            cache.clear()
            frame = (ts - TS_START) * FPS + 1
            path = osp.join(data, 'ava', 'rawframes', vid, f'img_{frame:05d}.jpg')
            cache[(vid, ts)] = cv2.imread(path, cv2.IMREAD_COLOR)
        img = cache[(vid, ts)]
        h, w = img.shape[:2]
        x1, y1, x2, y2 = boxes[key]
        c = img[int(y1 * h):max(int(y1 * h) + 1, int(round(y2 * h))),
                int(x1 * w):max(int(x1 * w) + 1, int(round(x2 * w)))]
        thumb = cv2.resize(c, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)
        gray = cv2.resize(cv2.cvtColor(c, cv2.COLOR_BGR2GRAY), (GRAD, GRAD),
                          interpolation=cv2.INTER_AREA).astype(np.float32)
        gx, gy = cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1)
        mag, ang = np.hypot(gx, gy), np.mod(np.arctan2(gy, gx), np.pi)
        bins = np.minimum((ang / np.pi * 8).astype(int), 7)
        hog = np.zeros((4, 4, 8), dtype=np.float32)
        cells = np.arange(GRAD) // (GRAD // 4)
        np.add.at(hog, (cells[:, None].repeat(GRAD, 1), cells[None, :].repeat(GRAD, 0), bins), mag)
        hog /= np.linalg.norm(hog) + 1e-6
        aspect = np.log(max(y2 - y1, 1e-3) * h / max((x2 - x1) * w, 1e-3))
        feats.append(np.concatenate([thumb.ravel() / 255.0, hog.ravel(), [aspect]]))
    return np.asarray(feats, dtype=np.float64)


def ridge_scores(x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray) -> np.ndarray:
    """One-vs-rest ridge regression on standardised features."""
    mu, sd = x_tr.mean(0), x_tr.std(0) + 1e-6
    a, b = (x_tr - mu) / sd, (x_te - mu) / sd
    a = np.concatenate([a, np.ones((len(a), 1))], axis=1)
    b = np.concatenate([b, np.ones((len(b), 1))], axis=1)
    w = np.linalg.solve(a.T @ a + RIDGE * np.eye(a.shape[1]), a.T @ y_tr)
    return b @ w


def write_det(path: str, keys: list[Key], boxes: dict[Key, tuple[float, ...]],
              scores: np.ndarray, ids: list[int]) -> None:
    """Detection CSV: every box gets every class with its score."""
    with open(path, 'w', encoding='utf-8') as f:
        for i, (vid, ts, _) in enumerate(keys):
            box = ','.join(f'{v:.3f}' for v in boxes[keys[i]])
            for j, cid in enumerate(ids):
                f.write(f'{vid},{ts:04d},{box},{cid},{scores[i, j]:.6f}\n')


def write_gt(path: str, keys: list[Key], boxes: dict[Key, tuple[float, ...]],
             labels: dict[Key, set[int]]) -> None:
    """AVA ground-truth CSV from label sets."""
    with open(path, 'w', encoding='utf-8') as f:
        for key in keys:
            box = ','.join(f'{v:.3f}' for v in boxes[key])
            for cid in sorted(labels[key]):
                f.write(f'{key[0]},{key[1]:04d},{box},{cid},{key[2]}\n')


def evaluate(tmp: str, name: str, keys: list[Key], boxes: dict[Key, tuple[float, ...]],
             scores: np.ndarray, label_map: dict[int, str], gt_csv: str,
             exclusions: str | None) -> dict[str, float | None]:
    """Per-class AP of ``scores`` through the official-semantics scorer."""
    det = osp.join(tmp, f'{name}.csv')
    write_det(det, keys, boxes, scores, sorted(label_map))
    return evaluate_ava(gt_csv, det, label_map, exclusions).per_class


def sanity(data: str) -> dict:
    """Compute the sanity table for the generated dataset in ``data``."""
    ann = osp.join(data, 'ava', 'annotations')
    tr_boxes, tr_labels = read_gt(osp.join(ann, 'ava_train.csv'))
    va_boxes, va_labels = read_gt(osp.join(ann, 'ava_val.csv'))
    tr_keys, va_keys = sorted(tr_boxes), sorted(va_boxes)
    x_tr, x_va = features(data, tr_keys, tr_boxes), features(data, va_keys, va_boxes)
    action_map = {c.id: c.name for c in CLASSES}
    pmap = {i + 1: n for i, n in enumerate(part_classes())}
    tr_parts, va_parts = part_labels(data, tr_keys), part_labels(data, va_keys)
    exclusions = osp.join(ann, 'ava_val_excluded_timestamps.csv')
    results: dict[str, dict[str, dict[str, float | None]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        part_gt = osp.join(tmp, 'part_gt.csv')
        write_gt(part_gt, va_keys, va_boxes, va_parts)
        for task, lmap, tr_y, gt_csv in (
                ('actions', action_map, tr_labels, osp.join(ann, 'ava_val.csv')),
                ('parts', pmap, tr_parts, part_gt)):
            ids = sorted(lmap)
            y = np.array([[cid in tr_y[k] for cid in ids] for k in tr_keys], dtype=np.float64)
            oracle = evaluate(tmp, f'{task}_oracle', va_keys, va_boxes,
                              ridge_scores(x_tr, y, x_va), lmap, gt_csv, exclusions)
            chance_runs = []
            for seed in range(CHANCE_SEEDS):
                rand = np.random.default_rng(seed).random((len(va_keys), len(ids)))
                chance_runs.append(evaluate(tmp, f'{task}_chance{seed}', va_keys, va_boxes, rand,
                                            lmap, gt_csv, exclusions))
            chance = {n: (None if chance_runs[0][n] is None else
                          float(np.mean([r[n] for r in chance_runs]))) for n in oracle}
            results[task] = {'oracle': oracle, 'chance': chance}
    groups: dict[str, list[str]] = {g: [c.name for c in CLASSES if c.group == g] for g in GROUPS}
    table = []
    for g, names in groups.items():
        row = {'group': g, 'classes': names}
        for kind in ('oracle', 'chance'):
            vals = [results['actions'][kind][n] for n in names]
            vals = [v for v in vals if v is not None]
            row[kind] = float(np.mean(vals)) if vals else None
        table.append(row)
    part_row = {'group': 'part state', 'classes': part_classes()}
    for kind in ('oracle', 'chance'):
        vals = [v for v in results['parts'][kind].values() if v is not None]
        part_row[kind] = float(np.mean(vals)) if vals else None
    table.append(part_row)
    return {'table': table, 'per_class': results,
            'num_boxes': {'train': len(tr_keys), 'val': len(va_keys)}}


def _stat(values: list[float | None]) -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return '—'
    if len(vals) == 1:
        return f'{vals[0]:.3f}'
    return f'{np.mean(vals):.3f} ± {np.std(vals):.3f}'


def markdown(results: list[dict]) -> str:
    """The sanity table and per-class APs as Markdown: mean ± std over ``results`` (datasets)."""
    n = len(results)
    spread = f' (mean ± std over {n} datasets)' if n > 1 else ''
    lines = [f'| group | (a) box-crop oracle frame-mAP{spread} | (b) chance frame-mAP{spread} |',
             '|---|---|---|']
    for g, row in enumerate(results[0]['table']):
        lines.append(f'| {row["group"]} | {_stat([r["table"][g]["oracle"] for r in results])} | '
                     f'{_stat([r["table"][g]["chance"] for r in results])} |')
    lines += ['', '| class | group | oracle AP | chance AP |', '|---|---|---|---|']
    for c in CLASSES:
        cells = [_stat([r['per_class']['actions'][kind][c.name] for r in results])
                 for kind in ('oracle', 'chance')]
        lines.append(f'| {c.name} | {c.group} | {cells[0]} | {cells[1]} |')
    boxes = ', '.join(f'{r["num_boxes"]["train"]} / {r["num_boxes"]["val"]}' for r in results)
    lines += ['', f'Person-keyframes (train / val): {boxes}.']
    return '\n'.join(lines) + '\n'


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data', nargs='+',
                        help='output folder(s) of mmaction_plugins.datasets.synthetic (e.g. one '
                             'per seed: the tables then give mean ± std)')
    parser.add_argument('--json', help='also write the full results as JSON here')
    parser.add_argument('--markdown', help='also write the Markdown tables here')
    args = parser.parse_args(argv)
    results = [sanity(d) for d in args.data]
    text = markdown(results)
    print(text, end='')
    if args.json:
        atomic_write_json(args.json, {osp.basename(osp.normpath(d)): r
                                      for d, r in zip(args.data, results)})
    if args.markdown:
        atomic_write_text(args.markdown, text)


if __name__ == '__main__':
    main()
