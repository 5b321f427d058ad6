"""Base-chain probe (issues 6-8): which change to the tiny SlowFast chain lifts the non-pose
class groups of the synthetic benchmark off their chance level?

Every seed ablation (PCCA, ACAR, multiscale, self-attention) builds its heads on the same base
chain: the tiny SlowFast of ``configs/_base_/models/slowfast_tiny.py`` (ResNet-18 pathways,
slow 8 / fast 2 base channels, from scratch) on 64-px inputs, 3 epochs. On ``full`` only the pose
group of that chain is far above chance; motion, context, relation, long-term and arm groups sit
0.5-6 AP points above it, in every row. This probe trains the *linear* row (mmaction2's
``AVARoIHead``, ``configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py``) with one
base-chain change at a time and scores each against the chance row, so that the next ablation
round knows what the heads need before it is re-run:

* ``base`` — the chain as the ablations use it (the training is shared with them through the
  training cache);
* ``wide`` — both pathways twice as wide (slow 16, fast 4 base channels; ~4x the FLOPs);
* ``hires`` — twice the input resolution (training scale jitter 128-160, 128-px crops, 128-px
  test side; ~4x the FLOPs), the frames' native 144 px nearly kept.

Scores: the official-semantics AVA frame-mAP@0.5 on the validation split (ground-truth person
boxes), per class, then per capability group, with the chance row (class prevalence). Results:
``<work-dir>/ablation.md`` / ``.json``; every step stays in ``<work-dir>/seed<N>/<variant>/`` and
a re-run only does what is missing.

    python tools/analysis/base_chain_probe.py --preset full --seeds 0 --variants base wide hires
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys
from collections.abc import Callable
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

CONFIG = 'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py'


def _wide(cfg: Any) -> None:
    """Both pathways twice as wide: slow 8 -> 16, fast 2 -> 4 base channels (head input 80 ->
    160 = slow 16*8 + fast 4*8)."""
    bb = cfg.model.backbone
    bb.slow_pathway.base_channels = 2 * bb.slow_pathway.base_channels
    bb.fast_pathway.base_channels = 2 * bb.fast_pathway.base_channels
    cfg.model.roi_head.bbox_head.in_channels = 8 * (bb.slow_pathway.base_channels
                                                    + bb.fast_pathway.base_channels)


def _hires(cfg: Any) -> None:
    """Twice the input resolution in training (scale jitter, crop) and test (shorter side)."""
    seen: set[int] = set()  # the loaders may share one pipeline list
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for t in cfg[loader].dataset.pipeline:
            if id(t) in seen:
                continue
            seen.add(id(t))
            if t['type'] == 'RandomRescale':
                t['scale_range'] = tuple(2 * s for s in t['scale_range'])
            elif t['type'] == 'RandomCrop':
                t['size'] = 2 * t['size']
            elif t['type'] == 'Resize':
                t['scale'] = tuple(s if s < 0 else 2 * s for s in t['scale'])


#: variant -> (config edit or None, description)
VARIANTS: dict[str, tuple[Callable[[Any], None] | None, str]] = {
    'base': (None, 'the ablations\' chain: slow 8 / fast 2 base channels, 64-px inputs'),
    'wide': (_wide, 'slow 16 / fast 4 base channels (head input 160)'),
    'hires': (_hires, '128-px inputs (train jitter 128-160, 128 crops; test side 128)'),
}


def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser

    p = ablation_parser(__doc__, 'work_dirs/base_chain_probe')
    p.add_argument('--epochs', type=int, default=3, help='epochs of every variant (as the '
                   'seed ablations on full)')
    p.add_argument('--variants', nargs='+', choices=list(VARIANTS), default=list(VARIANTS))
    return p


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train and score every variant for one seed; returns ``{variant: {group: AP %}}``."""
    from mmaction_plugins.analysis.ava_rows import score_rows

    return score_rows(args, seed, log, [(v, osp.join(REPO, CONFIG), VARIANTS[v][0])
                                        for v in VARIANTS if v in args.variants])


def report(per_seed: dict[int, dict[str, Any]], args: argparse.Namespace, log: dict[str, Any]
           ) -> tuple[str, dict[str, Any]]:
    """The markdown report (per-group table with the chance row, each variant's gain over
    ``base`` and over chance) and its JSON twin."""
    from mmaction_plugins.analysis import CHANCE_ROW, groups_line, markdown_table, seed_stats
    from mmaction_plugins.analysis.ablation_cli import report_json

    seeds = sorted(per_seed)
    first = per_seed[seeds[0]]
    cap = list(dict.fromkeys(first['_groups'].values()))
    columns = ['overall', *cap]
    names = [v for v in VARIANTS if v in args.variants]

    def cells(get: Callable[[int], dict[str, float]]) -> list[str]:
        return [seed_stats([get(s)[c] for s in seeds]).format() for c in columns]

    body = [[n, VARIANTS[n][1], *cells(lambda s, n=n: per_seed[s][n])] for n in names]
    body.append([CHANCE_ROW, 'validation class prevalence', *cells(
        lambda s: per_seed[s]['_chance'])])
    over = [[n, *cells(lambda s, n=n: {c: per_seed[s][n][c] - per_seed[s]['_chance'][c]
                                        for c in columns})] for n in names]
    lines = [f'Synthetic `{args.preset}`, seeds {", ".join(map(str, seeds))}; the linear row '
             f'(AVARoIHead), {args.epochs} epochs; AVA frame-mAP@0.5 (official semantics, '
             'validation split, ground-truth person boxes), mean ± std over seeds (AP in %).',
             '', markdown_table(['variant', 'base chain', *columns], body), '',
             '**Above chance (variant − chance row, same seed)**', '',
             markdown_table(['variant', *columns], over), '']
    if 'base' in names:
        gain = [[f'{n} − base', *cells(lambda s, n=n: {
            c: per_seed[s][n][c] - per_seed[s]['base'][c] for c in columns})]
            for n in names if n != 'base']
        if gain:
            lines += ['**Against the ablations\' chain (same seed)**', '',
                      markdown_table(['difference', *columns], gain), '']
    lines += [groups_line(first['_groups']), '']
    return '\n'.join(lines), report_json(args, per_seed, log)


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis.ablation_cli import ablation_main

    return ablation_main(build_parser, run_seed, report, argv)


if __name__ == '__main__':
    sys.exit(main())
