"""Base-chain probe (issues 6-8): which change to the tiny SlowFast chain lifts the non-pose
class groups of the synthetic benchmark off their chance level?

Every seed ablation (PCCA, ACAR, multiscale, self-attention) builds its heads on the same base
chain. Up to commit e0dc1d4 that chain was the tiny SlowFast of
``configs/_base_/models/slowfast_tiny.py`` with slow 8 / fast 2 base channels (beta 4), trained
from scratch with SGD (lr 0.05) on 64-px inputs, 3 epochs: on ``full`` only its pose group was far
above chance; motion, context, relation, long-term and arm sat 0.5-6 AP points above it, in every
row. This probe trains the *linear* row (mmaction2's ``AVARoIHead``,
``configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py``) with one change at a time
*to that previous chain* (:func:`_previous` restores it) and scores each against the chance row:

* ``base`` — the previous chain (SGD, fast 2 base channels);
* ``wide`` — both pathways twice as wide (slow 16, fast 4 base channels; ~4x the FLOPs);
* ``hires`` — twice the input resolution (training scale jitter 128-160, 128-px crops, 128-px
  test side; ~4x the FLOPs), the frames' native 144 px nearly kept;
* ``adamw`` — AdamW (lr 1e-3) instead of the AVA configs' SGD (lr 0.05): the chain underfitted
  its own training videos as much as it missed on validation, so the optimiser was a suspect as
  much as the capacity;
* ``adamw-fast4`` — ``adamw`` with the fast pathway twice as wide (beta 4 -> 2), the pathway
  where SlowFast carries motion. This variant won and **is the tiny chain now** (its training is
  the seed ablations' linear row, shared through the training cache).

Scores: the official-semantics AVA frame-mAP@0.5 on the validation split (ground-truth person
boxes), per class, then per capability group, with the chance row (class prevalence). Results:
``<work-dir>/ablation.md`` / ``.json``; every step stays in ``<work-dir>/seed<N>/<variant>/`` and
a re-run only does what is missing.

    python tools/analysis/base_chain_probe.py --preset full --seeds 0 --fit-videos 40
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


#: The previous chain's optimiser (the AVA configs' SGD with the synthetic config's lr).
_PREVIOUS_SGD = dict(_scope_='mmaction', type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-5)


def _set_fast(cfg: Any, channel_ratio: int) -> None:
    """Fast pathway ``slow base channels / channel_ratio`` wide; the RoI head's input follows
    (``8 * (slow + fast base channels)``: BasicBlock pathways end at 8x their base width)."""
    bb = cfg.model.backbone
    bb.channel_ratio = channel_ratio
    bb.fast_pathway.base_channels = bb.slow_pathway.base_channels // channel_ratio
    cfg.model.roi_head.bbox_head.in_channels = 8 * (bb.slow_pathway.base_channels
                                                    + bb.fast_pathway.base_channels)


def _previous(cfg: Any) -> None:
    """The chain up to commit e0dc1d4: SGD (lr 0.05, momentum 0.9) and a fast pathway of 2 base
    channels (beta 4; head input 80). Every variant starts from it."""
    cfg.optim_wrapper.optimizer = dict(_PREVIOUS_SGD)
    _set_fast(cfg, 4)


def _wide(cfg: Any) -> None:
    """Both pathways twice as wide: slow 8 -> 16, fast 2 -> 4 base channels (head input 80 ->
    160 = slow 16*8 + fast 4*8)."""
    _previous(cfg)
    bb = cfg.model.backbone
    bb.slow_pathway.base_channels = 2 * bb.slow_pathway.base_channels
    bb.fast_pathway.base_channels = 2 * bb.fast_pathway.base_channels
    cfg.model.roi_head.bbox_head.in_channels = 8 * (bb.slow_pathway.base_channels
                                                    + bb.fast_pathway.base_channels)


def _hires(cfg: Any) -> None:
    """Twice the input resolution in training (scale jitter, crop) and test (shorter side)."""
    _previous(cfg)
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


def _adamw(cfg: Any) -> None:
    """AdamW (lr 1e-3, weight decay 1e-4) instead of the AVA configs' SGD (lr 0.05, momentum
    0.9), same schedule: the usual optimiser for a small network trained from scratch."""
    _previous(cfg)
    cfg.optim_wrapper.optimizer = dict(type='AdamW', lr=1e-3, weight_decay=1e-4)


def _adamw_fast4(cfg: Any) -> None:
    """:func:`_adamw` with a fast pathway twice as wide (channel ratio beta 4 -> 2: fast base
    channels 2 -> 4; head input 80 -> 96): the pathway that carries the motion signal."""
    _adamw(cfg)
    _set_fast(cfg, 2)


#: variant -> (config edit or None, description)
VARIANTS: dict[str, tuple[Callable[[Any], None] | None, str]] = {
    'base': (_previous, 'the previous chain: SGD, slow 8 / fast 2 base channels, 64-px inputs'),
    'wide': (_wide, 'slow 16 / fast 4 base channels (head input 160)'),
    'hires': (_hires, '128-px inputs (train jitter 128-160, 128 crops; test side 128)'),
    'adamw': (_adamw, 'AdamW lr 1e-3, wd 1e-4 (instead of SGD lr 0.05)'),
    'adamw-fast4': (_adamw_fast4, 'AdamW + fast pathway 4 base channels (beta 2; head input '
                                  '96): the current chain'),
}


def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser

    p = ablation_parser(__doc__, 'work_dirs/base_chain_probe')
    p.add_argument('--epochs', type=int, default=3, help='epochs of every variant (as the '
                   'seed ablations on full)')
    p.add_argument('--variants', nargs='+', choices=list(VARIANTS), default=list(VARIANTS))
    p.add_argument('--fit-videos', type=int, default=0,
                   help='also score every variant on its first N training videos (training '
                        'fit: underfitting or not generalising?); 0: off')
    return p


def _training_fit(args: argparse.Namespace, seed: int, name: str, log: dict[str, Any]
                  ) -> dict[str, Any]:
    """Variant ``name``'s grouped AP on the first ``args.fit_videos`` training videos (sorted
    ids), with the test pipeline; predictions kept in its step folder."""
    import json

    from mmengine.config import Config

    from mmaction_plugins.analysis import class_groups
    from mmaction_plugins.analysis.ava_predictions import score_ava_predictions
    from mmaction_plugins.analysis.ava_rows import cached_predictions, grouped_ap
    from mmaction_plugins.evaluation.label_map import read_label_map
    from mmaction_plugins.utils.atomic_io import atomic_write_text

    data = osp.abspath(osp.join(args.data_root, f'{args.preset}-s{seed}'))
    anno = osp.join(data, 'ava', 'annotations')
    seed_dir = osp.abspath(osp.join(args.work_dir, f'seed{seed}'))
    n = args.fit_videos
    sub = osp.join(seed_dir, f'ava_train_first{n}.csv')
    if not osp.isfile(sub):
        with open(osp.join(anno, 'ava_train.csv'), encoding='utf-8') as f:
            rows = f.readlines()
        keep = set(sorted({r.split(',', 1)[0] for r in rows})[:n])
        atomic_write_text(sub, ''.join(r for r in rows if r.split(',', 1)[0] in keep))
    step = osp.join(seed_dir, name)
    cfg = Config.fromfile(osp.join(step, 'config.py'))
    ds = cfg.test_dataloader.dataset
    ds.ann_file = sub
    ds.exclude_file = osp.join(anno, 'ava_train_excluded_timestamps.csv')
    ds.proposal_file = osp.join(anno, 'ava_dense_proposals_train.json')
    preds = cached_predictions(cfg, osp.join(step, f'epoch_{args.epochs}.pth'),
                               osp.join(step, f'train_first{n}_predictions.npz'),
                               f'seed {seed} {name} (training fit)')
    label_map = read_label_map(osp.join(anno, 'ava_action_list.pbtxt'))
    with open(osp.join(data, 'manifest.json'), encoding='utf-8') as f:
        groups = class_groups(json.load(f))
    return grouped_ap(score_ava_predictions(preds, sub, label_map, ds.exclude_file), label_map,
                      groups)


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train and score every variant for one seed; returns ``{variant: {group: AP %}}``."""
    from mmaction_plugins.analysis.ava_rows import score_rows

    names = [v for v in VARIANTS if v in args.variants]
    results = score_rows(args, seed, log, [(v, osp.join(REPO, CONFIG), VARIANTS[v][0])
                                           for v in names])
    if args.fit_videos:
        results['_fit'] = {v: _training_fit(args, seed, v, log) for v in names}
    return results


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
    if all('_fit' in per_seed[s] for s in seeds):
        fit = [[n, *cells(lambda s, n=n: per_seed[s]['_fit'][n])] for n in names]
        lines += [f'**Training fit: the same AP on the first {args.fit_videos} training videos** '
                  '(test pipeline; close to the validation row above means the chain '
                  'underfits, far above it means it does not generalise)', '',
                  markdown_table(['variant', *columns], fit), '']
    if 'base' in names:
        gain = [[f'{n} − base', *cells(lambda s, n=n: {
            c: per_seed[s][n][c] - per_seed[s]['base'][c] for c in columns})]
            for n in names if n != 'base']
        if gain:
            lines += ['**Against the previous chain, base (same seed)**', '',
                      markdown_table(['difference', *columns], gain), '']
    lines += [groups_line(first['_groups']), '']
    return '\n'.join(lines), report_json(args, per_seed, log)


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis.ablation_cli import ablation_main

    return ablation_main(build_parser, run_seed, report, argv)


if __name__ == '__main__':
    sys.exit(main())
