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
    from mmaction_plugins.analysis.ablation_cli import ablation_parser, add_noise_argument

    p = ablation_parser(__doc__, 'work_dirs/self_attention_ablation')
    add_noise_argument(p)
    p.add_argument('--epochs', type=int, default=3,
                   help='epochs of every model (the configs say 6 for the small preset; full '
                        'has 6.5x more keyframes per epoch)')
    p.add_argument('--rows', nargs='+', choices=ROWS, default=list(ROWS))
    return p


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train and score every row for one seed; returns ``{row: {group: AP %}}``."""
    from mmaction_plugins.analysis.ava_rows import score_rows

    rows = [r for r in ROWS if r in args.rows]
    claims = [(r, 'baseline', 'motion', '') for r in rows if r != 'baseline'
              ] if 'baseline' in rows else []
    return score_rows(args, seed, log, [(r, osp.join(REPO, CONFIGS[r]), None) for r in rows],
                      claims)


def report(per_seed: dict[int, dict[str, Any]], args: argparse.Namespace, log: dict[str, Any]
           ) -> tuple[str, dict[str, Any]]:
    """The markdown report and its JSON twin."""
    from mmaction_plugins.analysis import (
        CHANCE_ROW,
        chance_line,
        groups_line,
        markdown_table,
        paired_difference,
        seed_stats,
    )
    from mmaction_plugins.analysis.ablation_cli import report_json
    from mmaction_plugins.analysis.claim_noise import (
        NOISE_NOTE,
        claim_key,
        mean_noise_std,
        seed_noise,
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
        noise = seed_noise(per_seed)
        vs = []
        for row in table_rows:
            d = diff('baseline', row, 'motion')
            line = [f'{row} − baseline', d.format(), diff('baseline', row, 'overall').format(),
                    'yes' if d.beyond_spread else 'no']
            if noise is not None:
                line.append(mean_noise_std(noise, claim_key(row, 'baseline', 'motion')))
            vs.append(line)
        if vs:
            header = ['difference', 'motion', 'overall', 'motion win > spread']
            if noise is not None:
                header.append('motion eval noise (video bootstrap std)')
            lines += ['**Against the baseline (same seed): motion classes are where the '
                      'self-attention must help**', '', markdown_table(header, vs)]
            if noise is not None:
                lines += [NOISE_NOTE.format(n_boot=args.n_boot), '']
    if all('_chance' in per_seed[s] for s in seeds):
        lines += [chance_line({s: per_seed[s]['_chance'] for s in seeds}, columns, CHANCE_ROW),
                  '']
    lines += [groups_line(first['_groups']), '']
    return '\n'.join(lines), report_json(args, per_seed, log)


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis.ablation_cli import ablation_main

    return ablation_main(build_parser, run_seed, report, argv)


if __name__ == '__main__':
    sys.exit(main())
