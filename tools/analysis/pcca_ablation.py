"""PCCA ablation (issue 6) on the synthetic benchmark: the rows of the report's table, 3 seeds.

Rows (each trained and tested once per seed; a seed is a fresh synthetic dataset *and* a fresh
initialisation):

1. ``linear`` — the tiny SlowFast + mmaction2's ``AVARoIHead`` (RoI max-pool + linear classifier),
   ``configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py``;
2. ``pcca`` — the same chain with ``PCCARoIHead`` (person attends to its 2x context box),
   ``configs/pcca/pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py`` (decoupled phase 1);
3. ``pcca+decoupled`` — phase 2 on top of row 2's checkpoint: class-balanced sampling, only the
   classifier trains (``configs/pcca/pcca-decoupled_...``);
4. ``pcca+decoupled+tta`` — row 3's model tested over two scales x horizontal flip, scores
   averaged (no training);

and, only when ``--rows`` names them, ``pcca-ctx4`` — row 2 with a 4x context box
(``configs/pcca/pcca-ctx4_...``: the box that holds the benchmark's context object for ~97% of
the context labels, ``tools/analysis/context_box_coverage.py``; the report's 2x holds it for
~1/3) — and ``pcca-concat`` — row 2 whose classifier reads the pooled person feature beside the
attention output (``output='concat'``, ``configs/pcca/pcca-concat_...``; not the report's).

Every row is trained on the AVA layout of the benchmark (ground-truth person boxes as proposals,
like the report's training on annotated boxes) and scored on its MultiSports layout with the
official-semantics F@0.5 / V@0.2 / V@0.5 / V@0.1:0.9 scorers on the ground-truth boxes of every
``--stride``-th validation frame
(:func:`mmaction_plugins.analysis.synthetic_multisports.evaluate_synthetic_multisports`), per class,
then averaged per class group: the benchmark's capability groups (``context`` is where PCCA must
win) and the rarest / most frequent third of the classes in training (``tail`` is where decoupling
must win). Results: ``<work-dir>/ablation.md`` (tables, mean ± std over seeds, and paired
per-seed differences between rows) and ``<work-dir>/ablation.json``; every step's outputs stay in
``<work-dir>/seed<N>/<row>/`` and a re-run only does what is missing.

    python tools/analysis/pcca_ablation.py --preset full --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
import time
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

ROWS = ('linear', 'pcca', 'pcca-ctx4', 'pcca-concat', 'pcca+decoupled', 'pcca+decoupled+tta')
#: the rows of the report's table (the default ``--rows``)
REPORT_ROWS = ('linear', 'pcca', 'pcca+decoupled', 'pcca+decoupled+tta')
CONFIGS = {
    'linear': 'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'pcca': 'configs/pcca/pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'pcca-ctx4': 'configs/pcca/pcca-ctx4_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'pcca-concat': 'configs/pcca/pcca-concat_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'pcca+decoupled':
        'configs/pcca/pcca-decoupled_slowfast-tiny_1xb8-16x2x1-2e_synthetic-ava-rgb.py',
}
METRICS = ('F@0.5', 'V@0.2', 'V@0.5', 'V@0.1:0.9')
#: (row, baseline row, group) comparisons the report makes
CLAIMS = (('pcca', 'linear', 'context', 'PCCA beats the linear head on context classes'),
          ('pcca-ctx4', 'linear', 'context', 'PCCA with a 4x context box beats the linear head '
           'on context classes (not the report\'s)'),
          ('pcca-ctx4', 'pcca', 'context', 'a 4x context box reads more context than 2x (not the '
           'report\'s)'),
          ('pcca-concat', 'linear', 'context', 'PCCA with the person feature beside the attention '
           'output beats the linear head on context classes (not the report\'s)'),
          ('pcca+decoupled', 'pcca', 'tail', 'decoupled learning helps the tail classes'),
          ('pcca+decoupled+tta', 'pcca+decoupled', 'overall', 'the test-time ensemble helps'))


def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser

    p = ablation_parser(__doc__, 'work_dirs/pcca_ablation')
    p.add_argument('--epochs', type=int, default=3,
                   help='epochs of rows 1 and 2 (the configs say 6 for the small preset; full '
                        'has 6.5x more keyframes per epoch)')
    p.add_argument('--phase2-epochs', type=int, default=1, help='epochs of the decoupled phase 2')
    p.add_argument('--phase2-lr', type=float, default=None,
                   help="phase 2's learning rate (default: the config's, 0.01)")
    p.add_argument('--stride', type=int, default=6,
                   help='score every N-th validation frame (30 fps / N)')
    p.add_argument('--tta-scales', type=float, nargs='+', default=[1.0, 1.25],
                   help='test scales of row 4 (each also flipped); 1.25 of the 64-px test input '
                        'is the top of the training scale jitter (64-80)')
    p.add_argument('--labels', choices=('all', 'argmax'), default='all',
                   help="detections per box: one per class ('all', per-class detector) or the "
                        "arg-max class (mmaction2's MultiSports metric)")
    p.add_argument('--rows', nargs='+', choices=ROWS, default=list(REPORT_ROWS),
                   help="rows to run (default: the report's four; pcca-ctx4 and pcca-concat "
                        'only when named)')
    return p


def _per_class_metrics(ev: dict[str, Any]) -> dict[str, dict[str, float]]:
    """metric name → {class: AP in percent} from an evaluation result."""
    from mmaction_plugins.evaluation.multisports import VIDEO_THRESHOLDS as V9

    vid = {float(k): v for k, v in ev['video_ap'].items()}

    def at(thr: float) -> dict[str, float]:
        for k, v in vid.items():
            if abs(k - thr) < 1e-9:
                return v
        raise KeyError(thr)

    names = list(ev['frame_ap'])
    out = {'F@0.5': {c: 100 * ev['frame_ap'][c] for c in names},
           'V@0.2': {c: 100 * at(0.2)[c] for c in names},
           'V@0.5': {c: 100 * at(0.5)[c] for c in names}}
    out['V@0.1:0.9'] = {c: 100 * sum(at(t)[c] for t in V9) / len(V9) for c in names}
    return out


def _grouped(per_class: dict[str, dict[str, float]], groups: dict[str, dict[str, str]]
             ) -> dict[str, dict[str, float]]:
    """metric → {group: mean AP} with 'overall' and every group of every grouping."""
    from mmaction_plugins.analysis import overall_and_group_means

    return {metric: overall_and_group_means(pc, *groups.values())
            for metric, pc in per_class.items()}


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train and score every row for one seed; returns ``{row: {metric: {group: AP}}}``."""
    from mmengine.config import Config

    from mmaction_plugins.analysis import class_groups, frequency_groups, val_prevalence
    from mmaction_plugins.analysis.ablation_cli import prepare_seed
    from mmaction_plugins.analysis.synthetic_multisports import evaluate_synthetic_multisports
    from mmaction_plugins.apis import init_stad_model
    from mmaction_plugins.engine.runs import (
        Progress,
        point_stad_config_at,
        set_epochs,
        skip_validation,
        train,
    )
    from mmaction_plugins.evaluation.label_map import read_label_map
    from mmaction_plugins.models.tta import tta_views
    from mmaction_plugins.utils.atomic_io import atomic_write_json

    data, seed_dir, timings, manifest = prepare_seed(args, seed, log)
    anno = osp.join(data, 'ava', 'annotations')
    groups = {'capability': class_groups(manifest),
              'frequency': frequency_groups(osp.join(anno, 'ava_train.csv'),
                                            read_label_map(osp.join(anno,
                                                                    'ava_action_list.pbtxt')))}
    ckpts: dict[str, str] = {}
    for row, epochs in (('linear', args.epochs), ('pcca', args.epochs), ('pcca-ctx4', args.epochs),
                        ('pcca-concat', args.epochs), ('pcca+decoupled', args.phase2_epochs)):
        if row not in args.rows:  # the rows others are built on are added by _add_source_rows
            continue
        cfg = point_stad_config_at(Config.fromfile(osp.join(REPO, CONFIGS[row])), data,
                                   osp.join(seed_dir, row))
        set_epochs(cfg, epochs)
        skip_validation(cfg)  # scored below on the MultiSports layout
        if row == 'pcca+decoupled':
            cfg.load_from = ckpts['pcca']
            if args.phase2_lr is not None:
                cfg.optim_wrapper.optimizer.lr = args.phase2_lr
        t = time.monotonic()
        ckpts[row] = train(cfg, osp.join(seed_dir, row), f'seed {seed} {row}', seed,
                           args.train_cache or None)
        timings[f'train {row}'] = round(time.monotonic() - t, 1)

    results: dict[str, Any] = {}
    for row in args.rows:
        model_row = 'pcca+decoupled' if row == 'pcca+decoupled+tta' else row
        # one score file per detection protocol (`--labels argmax` re-scores the same models)
        suffix = '' if args.labels == 'all' else f'_{args.labels}'
        out_path = osp.join(seed_dir, row.replace('+', '_') + f'{suffix}_multisports.json')
        ckpt = ckpts[model_row]
        if osp.isfile(out_path) and osp.getmtime(out_path) > osp.getmtime(ckpt):
            with open(out_path, encoding='utf-8') as f:
                ev = json.load(f)
        else:
            t = time.monotonic()
            model = init_stad_model(osp.join(seed_dir, model_row, 'config.py'), ckpt)
            views = tta_views([None if s == 1.0 else s for s in args.tta_scales], flip=True) \
                if row.endswith('+tta') else None
            pre = manifest['preset']
            n_frames = pre['n_val'] * -(-int(pre['seconds'] * pre['fps']) // args.stride)
            bar = Progress(f'seed {seed} {row}: test', n_frames)
            ev = evaluate_synthetic_multisports(model, data, stride=args.stride, views=views,
                                                labels=args.labels,
                                                progress=lambda n, b=bar: b.update(step=n))
            bar.close()
            ev['seconds'] = round(time.monotonic() - t, 1)
            atomic_write_json(out_path, ev)
        timings[f'test {row}'] = ev.get('seconds', 0.0)
        results[row] = _grouped(_per_class_metrics(ev), groups)
    prevalence = val_prevalence(anno)
    results['_chance'] = _grouped({m: prevalence for m in METRICS}, groups)
    results['_groups'] = groups
    return results


def _table(per_seed: dict[int, dict[str, Any]], rows: list[str], metric: str,
           columns: list[str]) -> str:
    from mmaction_plugins.analysis import CHANCE_ROW, markdown_table, seed_stats

    body = []
    for row in rows:
        cells = [CHANCE_ROW if row == '_chance' else row]
        for col in columns:
            cells.append(seed_stats([per_seed[s][row][metric][col] for s in per_seed]).format())
        body.append(cells)
    return markdown_table(['row', *columns], body)


def report(per_seed: dict[int, dict[str, Any]], args: argparse.Namespace, log: dict[str, Any]
           ) -> tuple[str, dict[str, Any]]:
    """The markdown report and its JSON twin."""
    from mmaction_plugins.analysis import (
        CHANCE_ROW,
        groups_line,
        markdown_table,
        paired_difference,
        seed_stats,
    )
    from mmaction_plugins.analysis.ablation_cli import report_json

    rows = [r for r in ROWS if r in args.rows]
    first = per_seed[min(per_seed)]
    cap = list(dict.fromkeys(first['_groups']['capability'].values()))
    columns = ['overall', *cap, 'head', 'tail']
    seeds = sorted(per_seed)
    overall = [[row] + [seed_stats([per_seed[s][row][m]['overall'] for s in seeds]).format()
                        for m in METRICS] for row in rows]
    lines = [f'Synthetic `{args.preset}`, seeds {", ".join(map(str, seeds))}; mean ± std over '
             f'seeds (AP in %); every {args.stride}th validation frame (30/{args.stride} fps), '
             f'ground-truth person boxes, detections: {args.labels!r} labels per box. '
             f'{", ".join(r for r in rows if r in CONFIGS and r != "pcca+decoupled")}: '
             f'{args.epochs} epochs; pcca+decoupled: +{args.phase2_epochs} epoch(s) of '
             f'phase 2 (lr {args.phase2_lr or "of the config"}); pcca+decoupled+tta: scales '
             f'{args.tta_scales} x flip.', '',
             '**Overall**', '', markdown_table(['row', *METRICS], overall)]
    chance = ['_chance'] if all('_chance' in per_seed[s] for s in seeds) else []
    for metric in METRICS:
        lines += [f'**{metric} per class group**', '',
                  _table(per_seed, rows + (chance if metric == 'F@0.5' else []), metric,
                         columns)]
    claims = []
    for row, base, group, text in CLAIMS:
        if row not in rows or base not in rows:
            continue
        cells = [text, f'{row} − {base}', group]
        verdicts = []
        for metric in METRICS:
            d = paired_difference({s: per_seed[s][base][metric][group] for s in seeds},
                                  {s: per_seed[s][row][metric][group] for s in seeds})
            cells.append(d.format())
            verdicts.append(d.beyond_spread)
        cells.append('yes' if verdicts[0] else 'no')
        claims.append(cells)
    if claims:
        lines += ['**Paired differences (same seed), the report\'s claims**', '',
                  markdown_table(['claim', 'difference', 'group', *METRICS, 'F@0.5 win > spread'],
                                 claims)]
    tail = [c for c, g in first['_groups']['frequency'].items() if g == 'tail']
    head = [c for c, g in first['_groups']['frequency'].items() if g == 'head']
    lines += [f'{groups_line(first["_groups"]["capability"])} Head (seed {min(per_seed)}): '
              f'{", ".join(head)}; tail: {", ".join(tail)} (by training label count; recomputed '
              'per seed).', '']
    if chance:
        lines += [f'The last row of the F@0.5 group table ({CHANCE_ROW}) is the share of '
                  'validation person-keyframes that carry each class: the expected frame-AP of '
                  'a random ranking of the ground-truth persons, the level a row must clear '
                  'before its group says anything.', '']
    return '\n'.join(lines), report_json(args, per_seed, log)


def _add_source_rows(args: argparse.Namespace) -> None:
    """Rows 3 and 4 are built on row 2's / row 3's model."""
    if 'pcca+decoupled+tta' in args.rows and 'pcca+decoupled' not in args.rows:
        args.rows.append('pcca+decoupled')
    if 'pcca+decoupled' in args.rows and 'pcca' not in args.rows:
        args.rows.append('pcca')


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis.ablation_cli import ablation_main

    return ablation_main(build_parser, run_seed, report, argv, _add_source_rows)


if __name__ == '__main__':
    sys.exit(main())
