"""Spatio-Temporal SlowFast Self-Attention ablation (issue 8, seed report ``004``): the rows of the
report's Table 4.2 on the synthetic benchmark, 3 seeds.

Rows (each trained and scored once per seed; a seed is a fresh synthetic dataset *and* a fresh
initialisation); configs in ``configs/self_attention/`` (``*_slowfast-tiny_...``), column mapping
SSFA = slow module (7x1x1 q/k/v), TSFA = fast module (1x1x1) as in the folder's README:

0. ``baseline`` — mmaction2's ``AVARoIHead`` (no attention; the tiny baseline config);
1. ``fast-gap`` — TSFA, GAP, 1 layer, 16 dims (the report's 512 at the tiny width; 18.5 mAP);
2. ``fast-gmp`` — TSFA, GMP (19.2);
3. ``slow-gmp`` — SSFA, GMP (20.8);
4. ``slowfast-d64`` — SSFA + TSFA, GAP, 64 dims (the report's 2048; 21.3);
5. ``slowfast-l2`` — 2 layers (21.7);
6. ``slowfast-l2-ln`` — + LayerNorm (23.0).

Every model is trained on the AVA layout (ground-truth person boxes as proposals) and scored with
the official-semantics AVA frame-mAP@0.5 on the validation split, per class, then averaged per
capability group (``motion`` is where the self-attention must help). Results:
``<work-dir>/ablation.md`` (mean ± std over seeds; paired per-seed differences: each row against
the one before it, as the report's table reads, and every row against the baseline on motion)
and ``<work-dir>/ablation.json``; every step's outputs stay in ``<work-dir>/seed<N>/<row>/`` and
a re-run only does what is missing.

    python tools/analysis/self_attention_ablation.py --preset full --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

_TINY = 'slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py'
ROWS = ('baseline', 'fast-gap', 'fast-gmp', 'slow-gmp', 'slowfast-d64', 'slowfast-l2',
        'slowfast-l2-ln')
CONFIGS = {
    'baseline': f'configs/baseline/{_TINY}',
    'fast-gap': f'configs/self_attention/stsa-fast-gap-l1-d16_{_TINY}',
    'fast-gmp': f'configs/self_attention/stsa-fast-gmp-l1-d16_{_TINY}',
    'slow-gmp': f'configs/self_attention/stsa-slow-gmp-l1-d16_{_TINY}',
    'slowfast-d64': f'configs/self_attention/stsa-slowfast-gap-l1-d64_{_TINY}',
    'slowfast-l2': f'configs/self_attention/stsa-slowfast-gap-l2-d64_{_TINY}',
    'slowfast-l2-ln': f'configs/self_attention/stsa-slowfast-gap-l2-d64-ln_{_TINY}',
}
#: The report's Table 4.2 (AVA frame-mAP, %) and each row's settings.
REPORT = {
    'baseline': (None, 'no attention (AVARoIHead)'),
    'fast-gap': (18.5, 'TSFA, GAP, 1 layer, 512'),
    'fast-gmp': (19.2, 'TSFA, GMP, 1 layer, 512'),
    'slow-gmp': (20.8, 'SSFA, GMP, 1 layer, 512'),
    'slowfast-d64': (21.3, 'SSFA+TSFA, GAP, 1 layer, 2048'),
    'slowfast-l2': (21.7, 'SSFA+TSFA, GAP, 2 layers, 2048'),
    'slowfast-l2-ln': (23.0, 'SSFA+TSFA, GAP, 2 layers, 2048, LN'),
}


def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser

    p = ablation_parser(__doc__, 'work_dirs/self_attention_ablation')
    p.add_argument('--epochs', type=int, default=3,
                   help='epochs of every model (the configs say 6 for the small preset; full '
                        'has 6.5x more keyframes per epoch)')
    p.add_argument('--rows', nargs='+', choices=ROWS, default=list(ROWS))
    return p


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train and score every row for one seed; returns ``{row: {group: AP %}}``."""
    from mmaction_plugins.analysis import class_groups, class_prevalence
    from mmaction_plugins.analysis.ablation_cli import prepare_seed
    from mmaction_plugins.analysis.ava_predictions import score_ava_predictions
    from mmaction_plugins.analysis.ava_rows import grouped_ap, train_row
    from mmaction_plugins.evaluation.label_map import read_label_map

    data, seed_dir, timings, manifest = prepare_seed(args, seed, log)
    anno = osp.join(data, 'ava', 'annotations')
    label_map = read_label_map(osp.join(anno, 'ava_action_list.pbtxt'))
    groups = class_groups(manifest)
    results: dict[str, Any] = {}
    for row in [r for r in ROWS if r in args.rows]:
        preds = train_row(osp.join(REPO, CONFIGS[row]), data, osp.join(seed_dir, row),
                          f'seed {seed} {row}', seed, args.epochs, timings,
                          cache_dir=args.train_cache or None)
        per_class = score_ava_predictions(preds, osp.join(anno, 'ava_val.csv'), label_map,
                                          osp.join(anno, 'ava_val_excluded_timestamps.csv'))
        results[row] = grouped_ap(per_class, label_map, groups)
    prevalence = class_prevalence(osp.join(anno, 'ava_val.csv'), label_map)
    results['_chance'] = grouped_ap({c: prevalence[n] for c, n in label_map.items()}, label_map,
                                    groups)
    results['_groups'] = groups
    return results


def report(per_seed: dict[int, dict[str, Any]], args: argparse.Namespace, log: dict[str, Any]
           ) -> tuple[str, dict[str, Any]]:
    """The markdown report and its JSON twin."""
    from mmaction_plugins.analysis import (
        CHANCE_ROW,
        markdown_table,
        paired_difference,
        seed_stats,
    )

    seeds = sorted(per_seed)
    first = per_seed[seeds[0]]
    cap = list(dict.fromkeys(first['_groups'].values()))
    columns = ['overall', *cap]
    rows = [r for r in ROWS if r in args.rows]
    body = []
    for row in rows:
        ref, what = REPORT[row]
        body.append([row, what, '-' if ref is None else f'{ref:.1f}',
                     *(seed_stats([per_seed[s][row][c] for s in seeds]).format()
                       for c in columns)])
    lines = [f'Synthetic `{args.preset}`, seeds {", ".join(map(str, seeds))}; AVA frame-mAP@0.5 '
             '(official semantics, validation split, ground-truth person boxes), mean ± std over '
             f'seeds (AP in %). {args.epochs} epochs per model. "report" is Table 4.2 of seed '
             '004 on AVA (SSFA = slow module 7x1x1, TSFA = fast module 1x1x1; tiny widths: '
             '512 -> 16, 2048 -> 64).', '',
             markdown_table(['row', 'Table 4.2 settings', 'report', *columns], body)]

    def diff(a: str, b: str, group: str) -> Any:
        return paired_difference({s: per_seed[s][a][group] for s in seeds},
                                 {s: per_seed[s][b][group] for s in seeds})

    steps = []
    table_rows = [r for r in rows if r != 'baseline']
    for prev, row in zip(table_rows, table_rows[1:]):
        ref_gain = REPORT[row][0] - REPORT[prev][0]
        d_all, d_mot = diff(prev, row, 'overall'), diff(prev, row, 'motion')
        same = (d_all.mean > 0) == (ref_gain > 0) if d_all.n else False
        steps.append([f'{row} − {prev}', f'{ref_gain:+.1f}', d_all.format(), d_mot.format(),
                      'yes' if same else 'no'])
    if steps:
        lines += ['**Paired differences between consecutive rows (same seed)**', '',
                  markdown_table(['difference', 'report', 'overall', 'motion',
                                  "report's direction (overall)"], steps)]
    if 'baseline' in rows:
        vs = []
        for row in table_rows:
            d = diff('baseline', row, 'motion')
            vs.append([f'{row} − baseline', d.format(), diff('baseline', row, 'overall').format(),
                       'yes' if d.beyond_spread else 'no'])
        if vs:
            lines += ['**Against the baseline (same seed): motion classes are where the '
                      'self-attention must help**', '',
                      markdown_table(['difference', 'motion', 'overall', 'motion win > spread'],
                                     vs)]
    if all('_chance' in per_seed[s] for s in seeds):
        lines += [f'{CHANCE_ROW} per group (the expected AP of a random ranking of the '
                  'ground-truth persons, the level a row must clear before its group says '
                  'anything): ' + ', '.join(
                      f'{c} ' + seed_stats([per_seed[s]['_chance'][c] for s in seeds]).format()
                      for c in columns) + '.', '']
    groups_doc = ', '.join(f'{g}: {", ".join(c for c, gg in first["_groups"].items() if gg == g)}'
                           for g in cap)
    lines += [f'Groups — {groups_doc}.', '']
    md = '\n'.join(lines)
    data = {'args': vars(args), 'per_seed': {str(s): per_seed[s] for s in seeds},
            'seconds': log}
    return md, data


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from mmaction_plugins.analysis.ablation_cli import run_ablation

    run_ablation(args, run_seed, report)
    return 0


if __name__ == '__main__':
    sys.exit(main())
