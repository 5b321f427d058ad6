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
  where SlowFast carries motion. This variant won the first round and was the tiny chain from
  commit fdba695 to 4daed5c;
* ``stride8`` — ``adamw-fast4`` with a feature stride of 8 instead of 16 (res4's spatial stride
  2 -> 1; the RoI extractor's ``featmap_stride`` follows): the last feature map has 8 x 8 cells
  in training (64-px crops) and 8 x 11 at test instead of 4 x 4 / 4 x 6, so a person box covers
  ~1.4 x 2.4 cells instead of ~0.7 x 1.2 and its 2x context box no longer re-samples the
  person's own cells (PCCA README, findings). This variant won the second round and **is the
  tiny chain now** (its trainings are the seed ablations' linear and PCCA rows, shared through
  the training cache);
* ``stride8-lr2x`` — ``stride8`` with twice the learning rate (AdamW 2e-3): whether a shorter
  schedule at a higher rate reaches what the longer one does.

``--heads`` also trains every variant with other heads of the seed ablations (``pcca``: the
PCCA head, ``configs/pcca``; ``pcca-ctx4``: the same with a 4x context box instead of the
report's 2x; ``pcca-concat``: the pooled person feature beside the attention output,
``output='concat'``), rows ``<variant>+<head>``, and reports each head's paired gain
over the linear head of the same variant: whether a change to the chain opens the gap a head's
report claims (PCCA on the context classes) rather than lifting every head alike.

``--curve E1 E2 ...`` also scores every row at those earlier epochs of its own training (the
checkpoints the checkpoint hook keeps): whether a longer schedule would still lift a group, or it
has levelled off. Up to this option every seed ablation trained 3 epochs on ``full``.

Scores: the official-semantics AVA frame-mAP@0.5 on the validation split (ground-truth person
boxes), per class, then per capability group, with the chance row (class prevalence). Results:
``<work-dir>/ablation.md`` / ``.json``; every step stays in ``<work-dir>/seed<N>/<variant>/`` and
a re-run only does what is missing.

    python tools/analysis/base_chain_probe.py --preset full --seeds 0 --fit-videos 40
    python tools/analysis/base_chain_probe.py --preset full --seeds 0 --fit-videos 40 \
        --heads linear pcca --head-variants adamw-fast4 stride8
    python tools/analysis/base_chain_probe.py --preset full --seeds 0 --epochs 12 \
        --variants stride8 --heads linear pcca --curve 3 6 9
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
#: head -> its tiny synthetic config (same chain, the RoI head swapped)
HEADS = {
    'linear': CONFIG,
    'pcca': 'configs/pcca/pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    # the same with a 4x context box (the report: 2x)
    'pcca-ctx4': 'configs/pcca/pcca-ctx4_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    # the same with the pooled person feature beside the attention output (output='concat')
    'pcca-concat': 'configs/pcca/pcca-concat_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
}


#: The previous chain's optimiser (the AVA configs' SGD with the synthetic config's lr).
_PREVIOUS_SGD = dict(_scope_='mmaction', type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-5)


def _set_head_input(cfg: Any) -> None:
    """The RoI head's input width follows the backbone's ``8 * (slow + fast base channels)``
    (BasicBlock pathways end at 8x their base width): the PCCA head's cross-attention input,
    otherwise the bbox head's."""
    bb, head = cfg.model.backbone, cfg.model.roi_head
    channels = 8 * (bb.slow_pathway.base_channels + bb.fast_pathway.base_channels)
    if 'cross_attention' in head:
        head.cross_attention.in_channels = channels
    else:
        head.bbox_head.in_channels = channels


def _set_fast(cfg: Any, channel_ratio: int) -> None:
    """Fast pathway ``slow base channels / channel_ratio`` wide; the RoI head's input follows."""
    bb = cfg.model.backbone
    bb.channel_ratio = channel_ratio
    bb.fast_pathway.base_channels = bb.slow_pathway.base_channels // channel_ratio
    _set_head_input(cfg)


def _set_stride(cfg: Any, stride: int) -> None:
    """Feature stride 16 (res4 spatial stride 2, the extractor's default ``featmap_stride``,
    left unset as in the chain up to commit 4daed5c) or 8 (res4 stride 1, ``featmap_stride``
    8), both pathways."""
    for pathway in ('slow_pathway', 'fast_pathway'):
        strides = list(cfg.model.backbone[pathway].spatial_strides)
        strides[2] = 2 if stride == 16 else 1
        cfg.model.backbone[pathway].spatial_strides = tuple(strides)
    extractor = cfg.model.roi_head.bbox_roi_extractor
    if stride == 16:
        extractor.pop('featmap_stride', None)
    else:
        extractor.featmap_stride = stride


def _previous(cfg: Any) -> None:
    """The chain up to commit e0dc1d4: SGD (lr 0.05, momentum 0.9), a fast pathway of 2 base
    channels (beta 4; head input 80), feature stride 16. Every variant starts from it."""
    cfg.optim_wrapper.optimizer = dict(_PREVIOUS_SGD)
    _set_fast(cfg, 4)
    _set_stride(cfg, 16)


def _wide(cfg: Any) -> None:
    """Both pathways twice as wide: slow 8 -> 16, fast 2 -> 4 base channels (head input 80 ->
    160 = slow 16*8 + fast 4*8)."""
    _previous(cfg)
    bb = cfg.model.backbone
    bb.slow_pathway.base_channels = 2 * bb.slow_pathway.base_channels
    bb.fast_pathway.base_channels = 2 * bb.fast_pathway.base_channels
    _set_head_input(cfg)


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


def _stride8(cfg: Any) -> None:
    """:func:`_adamw_fast4` with a feature stride of 8: res4's spatial stride 2 -> 1 in both
    pathways, the RoI extractor's ``featmap_stride`` 16 -> 8."""
    _adamw_fast4(cfg)
    _set_stride(cfg, 8)


def _stride8_lr2x(cfg: Any) -> None:
    """:func:`_stride8` (the current chain) with twice its AdamW learning rate (1e-3 -> 2e-3):
    whether a shorter schedule can reach what a longer one does."""
    _stride8(cfg)
    cfg.optim_wrapper.optimizer.lr = 2 * cfg.optim_wrapper.optimizer.lr


#: variant -> (config edit or None, description)
VARIANTS: dict[str, tuple[Callable[[Any], None] | None, str]] = {
    'base': (_previous, 'the chain up to e0dc1d4: SGD, slow 8 / fast 2 base channels, stride 16, '
                        '64-px inputs'),
    'wide': (_wide, 'slow 16 / fast 4 base channels (head input 160)'),
    'hires': (_hires, '128-px inputs (train jitter 128-160, 128 crops; test side 128)'),
    'adamw': (_adamw, 'AdamW lr 1e-3, wd 1e-4 (instead of SGD lr 0.05)'),
    'adamw-fast4': (_adamw_fast4, 'AdamW + fast pathway 4 base channels (beta 2; head input '
                                  '96): the chain of fdba695-4daed5c'),
    'stride8': (_stride8, 'adamw-fast4 with feature stride 8 (res4 stride 1; 8 x 11 test cells '
                          'instead of 4 x 6): the current chain'),
    'stride8-lr2x': (_stride8_lr2x, 'stride8 with AdamW lr 2e-3 (instead of 1e-3)'),
}

#: (variant, the variant it is one edit of) pairs reported besides the gains over ``base``
STEPS = (('stride8', 'adamw-fast4'), ('stride8-lr2x', 'stride8'))


def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser

    p = ablation_parser(__doc__, 'work_dirs/base_chain_probe')
    p.add_argument('--epochs', type=int, default=3, help='epochs of every variant (as the '
                   'seed ablations on full)')
    p.add_argument('--variants', nargs='+', choices=list(VARIANTS), default=list(VARIANTS))
    p.add_argument('--heads', nargs='+', choices=list(HEADS), default=['linear'],
                   help="heads trained on every variant (rows '<variant>+<head>' besides "
                        "linear's '<variant>'); default: linear only")
    p.add_argument('--head-variants', nargs='+', choices=list(VARIANTS), default=None,
                   help='the variants the heads other than linear are trained on (default: '
                        'every chosen variant)')
    p.add_argument('--curve', type=int, nargs='+', default=[], metavar='EPOCH',
                   help='also score every row at these earlier epochs of its own training '
                        '(epoch_<E>.pth, which the checkpoint hook keeps): the learning curve. '
                        'A row taken from the training cache holds only its last checkpoint and '
                        'is left out of the curve')
    p.add_argument('--fit-videos', type=int, default=0,
                   help='also score every variant on its first N training videos (training '
                        'fit: underfitting or not generalising?); 0: off')
    return p


def _score_checkpoint(args: argparse.Namespace, seed: int, name: str, ckpt: str,
                      predictions: str, label: str, split_csv: str | None = None
                      ) -> dict[str, Any]:
    """Grouped AP of row ``name``'s checkpoint ``ckpt`` (a file of its step folder) on the
    validation split, or with ``split_csv`` on those rows of the training split; predictions kept
    in the step folder as ``predictions``."""
    from mmaction_plugins.analysis.ava_rows import score_checkpoint

    data = osp.abspath(osp.join(args.data_root, f'{args.preset}-s{seed}'))
    step = osp.join(osp.abspath(osp.join(args.work_dir, f'seed{seed}')), name)
    return score_checkpoint(step, data, ckpt, predictions, label,
                            split='val' if split_csv is None else 'train', ann_file=split_csv)


def _training_fit(args: argparse.Namespace, seed: int, name: str) -> dict[str, Any]:
    """Variant ``name``'s grouped AP on the first ``args.fit_videos`` training videos (sorted
    ids), with the test pipeline; predictions kept in its step folder."""
    from mmaction_plugins.utils.atomic_io import atomic_write_text

    anno = osp.join(osp.abspath(args.data_root), f'{args.preset}-s{seed}', 'ava', 'annotations')
    n = args.fit_videos
    sub = osp.join(osp.abspath(osp.join(args.work_dir, f'seed{seed}')),
                   f'ava_train_first{n}.csv')
    if not osp.isfile(sub):
        with open(osp.join(anno, 'ava_train.csv'), encoding='utf-8') as f:
            rows = f.readlines()
        keep = set(sorted({r.split(',', 1)[0] for r in rows})[:n])
        atomic_write_text(sub, ''.join(r for r in rows if r.split(',', 1)[0] in keep))
    return _score_checkpoint(args, seed, name, f'epoch_{args.epochs}.pth',
                             f'train_first{n}_predictions.npz',
                             f'seed {seed} {name} (training fit)', split_csv=sub)


def _curve(args: argparse.Namespace, seed: int, name: str) -> dict[str, Any]:
    """Row ``name``'s grouped AP at the epochs of ``args.curve`` below ``args.epochs`` (keys: the
    epoch as a string), from the intermediate checkpoints of its step folder; epochs whose
    checkpoint is not there are reported on stdout and left out."""
    step = osp.join(osp.abspath(osp.join(args.work_dir, f'seed{seed}')), name)
    out: dict[str, Any] = {}
    for epoch in sorted(e for e in set(args.curve) if 0 < e < args.epochs):
        if not osp.isfile(osp.join(step, f'epoch_{epoch}.pth')):
            print(f'  seed {seed} {name}: no epoch_{epoch}.pth in {step} (a training from the '
                  'training cache keeps only its last checkpoint): left out of the learning '
                  'curve')
            continue
        out[str(epoch)] = _score_checkpoint(args, seed, name, f'epoch_{epoch}.pth',
                                            f'val_predictions_epoch{epoch}.npz',
                                            f'seed {seed} {name} epoch {epoch}')
    return out


def _rows(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """``(row name, variant, head)`` in order: the linear rows are named by their variant, the
    other heads' rows ``<variant>+<head>``."""
    names = [v for v in VARIANTS if v in args.variants]
    on = names if args.head_variants is None else [v for v in names if v in args.head_variants]
    return [(v if h == 'linear' else f'{v}+{h}', v, h)
            for h in HEADS if h in args.heads for v in (names if h == 'linear' else on)]


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train and score every row for one seed; returns ``{row: {group: AP %}}`` (and the
    training fit of the linear rows with ``--fit-videos``)."""
    from mmaction_plugins.analysis.ava_rows import score_rows

    rows = _rows(args)
    results = score_rows(args, seed, log, [(r, osp.join(REPO, HEADS[h]), VARIANTS[v][0])
                                           for r, v, h in rows])
    if args.curve:
        results['_curve'] = {r: _curve(args, seed, r) for r, _, _ in rows}
    if args.fit_videos:
        results['_fit'] = {r: _training_fit(args, seed, r)
                           for r, _, h in rows if h == 'linear'}
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
    rows = _rows(args)
    names = [r for r, _, h in rows if h == 'linear']

    def cells(get: Callable[[int], dict[str, float]]) -> list[str]:
        return [seed_stats([get(s)[c] for s in seeds]).format() for c in columns]

    body = [[r, VARIANTS[v][1] if h == 'linear' else f'{VARIANTS[v][1]}; {h} head',
             *cells(lambda s, r=r: per_seed[s][r])] for r, v, h in rows]
    body.append([CHANCE_ROW, 'validation class prevalence', *cells(
        lambda s: per_seed[s]['_chance'])])
    over = [[n, *cells(lambda s, n=n: {c: per_seed[s][n][c] - per_seed[s]['_chance'][c]
                                        for c in columns})] for n, _, _ in rows]
    lines = [f'Synthetic `{args.preset}`, seeds {", ".join(map(str, seeds))}; the linear row '
             f'(AVARoIHead; `<variant>+<head>`: that head on the variant), {args.epochs} '
             'epochs; AVA frame-mAP@0.5 (official semantics, '
             'validation split, ground-truth person boxes), mean ± std over seeds (AP in %).',
             '', markdown_table(['variant', 'base chain', *columns], body), '',
             '**Above chance (variant − chance row, same seed)**', '',
             markdown_table(['variant', *columns], over), '']
    paired = [[f'{r} − {v}', *cells(lambda s, r=r, v=v: {
        c: per_seed[s][r][c] - per_seed[s][v][c] for c in columns})]
        for r, v, h in rows if h != 'linear' and v in names]
    if paired:
        lines += ['**Head against the linear head of the same variant (same seed)**', '',
                  markdown_table(['difference', *columns], paired), '']
    if names and all('_fit' in per_seed[s] for s in seeds):
        fit = [[n, *cells(lambda s, n=n: per_seed[s]['_fit'][n])] for n in names]
        lines += [f'**Training fit: the same AP on the first {args.fit_videos} training videos** '
                  '(test pipeline; close to the validation row above means the chain '
                  'underfits, far above it means it does not generalise)', '',
                  markdown_table(['variant', *columns], fit), '']
    def scored_at(r: str, e: int) -> bool:
        return all(str(e) in per_seed[s].get('_curve', {}).get(r, {}) for s in seeds)

    curve = [[f'{r} @ {e}', *cells(lambda s, r=r, e=e: (
        per_seed[s][r] if e == args.epochs else per_seed[s]['_curve'][r][str(e)]))]
        for r, _, _ in rows if any(scored_at(r, e) for e in args.curve)
        for e in sorted({*args.curve, args.epochs})
        if e == args.epochs or (0 < e < args.epochs and scored_at(r, e))]
    if args.curve and curve:
        lines += [f'**Learning curve: the rows at earlier epochs of their {args.epochs}-epoch '
                  'schedule** (`<row> @ <epoch>`; the learning rate of the cosine schedule has '
                  'not decayed at an earlier epoch, so these are not the scores of a shorter '
                  'schedule)', '', markdown_table(['row', *columns], curve), '']
    if 'base' in names:
        gain = [[f'{n} − base', *cells(lambda s, n=n: {
            c: per_seed[s][n][c] - per_seed[s]['base'][c] for c in columns})]
            for n in names if n != 'base']
        if gain:
            lines += ['**Against the chain up to e0dc1d4, base (same seed)**', '',
                      markdown_table(['difference', *columns], gain), '']
    steps = [(n, ref) for n, ref in STEPS if n in names and ref in names]
    if steps:
        gain = [[f'{n} − {ref}', *cells(lambda s, n=n, ref=ref: {
            c: per_seed[s][n][c] - per_seed[s][ref][c] for c in columns})]
            for n, ref in steps]
        lines += ['**One edit at a time (same seed)**', '',
                  markdown_table(['difference', *columns], gain), '']
    lines += [groups_line(first['_groups']), '']
    return '\n'.join(lines), report_json(args, per_seed, log)


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis.ablation_cli import ablation_main

    return ablation_main(build_parser, run_seed, report, argv)


if __name__ == '__main__':
    sys.exit(main())
