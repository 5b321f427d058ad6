"""ACAR ablation (issue 7) on the synthetic benchmark: linear, linear + LFB, ACAR, ACAR + ACFB and
the per-class AP-weighted ensemble of linear, ACAR and ACAR + ACFB; 3 seeds.

Rows (every model trained from scratch on the same schedule, once per seed; a seed is a fresh
synthetic dataset *and* a fresh initialisation; all with the report's bbox jitter):

1. ``linear`` — tiny SlowFast + ``AVARoIHead`` (RoI max-pool + linear classifier),
   ``configs/acar/linear_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py``;
2. ``lfb`` — the linear head with mmaction2's long-term feature-bank operator (non-local FBO) on
   a bank of row 1's pooled RoI features (``tools/dump_features.py``), ``lfb_...``;
3. ``acar`` — the Actor-Context-Actor Relation head (HR2O), ``acar_...``;
4. ``acar+acfb`` — ACAR whose relation features attend to the actor-context feature bank dumped
   from row 3's model, ``acar-acfb_...``;
5. ``ensemble`` — rows 1, 3 and 4 combined per class with weights from their per-class APs
   (the report's ensembling), cross-fitted over two folds of validation videos so that no
   weight is fitted on the videos it is scored on
   (:func:`mmaction_plugins.evaluation.ensemble_crossfit.crossfit_ensemble`).

With ``--shared-backbone P`` every trained row starts instead from one backbone per seed — the
linear row's chain trained ``P`` epochs from scratch in ``seed<N>/backbone/``, its RoI head dropped
(:func:`mmaction_plugins.engine.backbone_checkpoint.extract_backbone`) — and fine-tunes it for
``--epochs``: the report's protocol (every head fine-tuned from one pre-trained SlowFast), which
keeps the rows of a seed from ending on different backbones (``configs/acar/README.md``: the
backbone a training ends with moves a group's AP by more than the heads do). Use a fresh
``--work-dir``: folders trained from scratch are refused.

Every row is scored with the official-semantics AVA frame-mAP@0.5 on the validation split
(ground-truth person boxes as proposals, so that rows differ only in the head), per class, then
averaged per capability group of the benchmark: ``relation`` is where ACAR must beat linear,
``long-term`` where ACFB must beat ACAR. Results: ``<work-dir>/ablation.md`` (mean ± std over
seeds and paired per-seed differences) and ``ablation.json``; each step's outputs stay in
``<work-dir>/seed<N>/<row>/`` and a re-run only does what is missing (trainings resume, finished
bank videos are not dumped again).

    python tools/analysis/acar_ablation.py --preset full --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import time
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

ROWS = ('linear', 'lfb', 'acar', 'acar+acfb', 'ensemble')
CONFIGS = {
    'linear': 'configs/acar/linear_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'lfb': 'configs/acar/lfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'acar': 'configs/acar/acar_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'acar+acfb': 'configs/acar/acar-acfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
}
#: bank row -> (row whose model fills the bank, bank folder name)
BANKS = {'lfb': ('linear', 'lfb_bank'), 'acar+acfb': ('acar', 'acfb_bank')}
ENSEMBLE = ('linear', 'acar', 'acar+acfb')
#: (row, baseline row, group, claim) comparisons the report makes
CLAIMS = (('acar', 'linear', 'relation', 'ACAR beats the linear head on relation classes'),
          ('acar+acfb', 'acar', 'long-term', 'ACFB beats ACAR on long-term classes'),
          ('lfb', 'linear', 'long-term', "mmaction2's LFB helps the linear head on long-term"),
          ('acar+acfb', 'lfb', 'long-term', 'ACFB beats the linear LFB on long-term classes'),
          ('ensemble', 'acar+acfb', 'overall',
           "the AP-weighted ensemble beats its ACAR+ACFB member (the report's final model)"))


def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser, add_noise_argument

    p = ablation_parser(__doc__, 'work_dirs/acar_ablation')
    p.add_argument('--epochs', type=int, default=3, help='epochs of every trained row')
    p.add_argument('--window', type=int, nargs=2, default=None, metavar=('FIRST', 'LAST'),
                   help="bank window in seconds around the keyframe (default: the configs', "
                        '-8 8)')
    p.add_argument('--rows', nargs='+', choices=ROWS, default=list(ROWS))
    p.add_argument('--shared-backbone', type=int, default=0, metavar='P',
                   help='start every trained row from the backbone of the linear chain trained '
                        'P epochs from scratch (one per seed, RoI head dropped); 0: every row '
                        'from scratch')
    add_noise_argument(p)
    return p


def _needed_rows(rows: list[str]) -> list[str]:
    """``rows`` plus the rows they are built from (bank sources, ensemble members), in order."""
    need = set(rows)
    if 'ensemble' in need:
        need.update(ENSEMBLE)
    for row, (src, _) in BANKS.items():
        if row in need:
            need.add(src)
    return [r for r in ROWS if r in need]


def _per_class(metrics: dict[str, float]) -> dict[str, float]:
    """``class name -> AP`` (percent) from ``tools/test.py`` metrics (``mAP/class/<name>``)."""
    pre = 'mAP/class/'
    return {k[len(pre):]: 100 * float(v) for k, v in metrics.items() if k.startswith(pre)}


def shared_backbone(args: argparse.Namespace, data: str, seed_dir: str, seed: int,
                    timings: dict[str, Any]) -> str:
    """The seed's shared backbone checkpoint ``<seed_dir>/backbone/backbone.pth``: the linear
    row's config trained ``args.shared_backbone`` epochs from scratch there (resumed or reused
    like any row), its ``backbone.*`` weights alone."""
    from mmengine.config import Config

    from mmaction_plugins.engine.backbone_checkpoint import extract_backbone
    from mmaction_plugins.engine.runs import point_stad_config_at, set_epochs, skip_validation
    from mmaction_plugins.engine.runs import train as train_step

    step = osp.join(seed_dir, 'backbone')
    cfg = point_stad_config_at(Config.fromfile(osp.join(REPO, CONFIGS['linear'])), data, step)
    set_epochs(cfg, args.shared_backbone)
    skip_validation(cfg)
    t = time.monotonic()
    final = train_step(cfg, step, f'seed {seed} shared backbone', seed,
                       args.train_cache or None)
    out = osp.join(step, 'backbone.pth')
    if not osp.isfile(out) or osp.getmtime(out) < osp.getmtime(final):
        n = extract_backbone(final, out)
        print(f'  seed {seed}: {n} backbone tensors of {final} -> {out}', flush=True)
    timings['shared backbone'] = round(time.monotonic() - t, 1)
    return out


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train, dump and score every row for one seed; returns ``{row: {group: AP}}`` and the
    per-class APs under ``'_per_class'``."""
    from mmengine.config import Config

    from mmaction_plugins.analysis import (
        class_groups,
        overall_and_group_means,
        val_prevalence,
    )
    from mmaction_plugins.analysis.ablation_cli import prepare_seed
    from mmaction_plugins.analysis.claim_noise import claim_noise
    from mmaction_plugins.datasets.feature_bank import bank_configs
    from mmaction_plugins.engine.dump_features import dump_features
    from mmaction_plugins.engine.runs import (
        point_stad_config_at,
        set_epochs,
        skip_validation,
        train_and_test,
    )
    from mmaction_plugins.evaluation import evaluate_ava
    from mmaction_plugins.evaluation.ensemble_crossfit import crossfit_ensemble

    data, seed_dir, timings, manifest = prepare_seed(args, seed, log)
    init = (shared_backbone(args, data, seed_dir, seed, timings) if args.shared_backbone
            else None)
    groups = class_groups(manifest)
    anno = osp.join(data, 'ava', 'annotations')

    per_class: dict[str, dict[str, float]] = {}
    ckpts: dict[str, str] = {}
    csvs: dict[str, str] = {}
    for row in _needed_rows(args.rows):
        if row == 'ensemble':
            continue
        step = osp.join(seed_dir, row.replace('+', '_'))
        cfg = point_stad_config_at(Config.fromfile(osp.join(REPO, CONFIGS[row])), data, step)
        set_epochs(cfg, args.epochs)
        skip_validation(cfg)  # tools/test.py scores it below
        if init is not None:
            cfg.load_from = init  # non-strict: the head keeps its own initialisation
        csvs[row] = osp.join(step, 'detections.csv')
        cfg.test_evaluator.out_csv = csvs[row]
        cfg.val_evaluator.out_csv = csvs[row]
        if row in BANKS:
            src, name = BANKS[row]
            bank = osp.join(seed_dir, name)
            t = time.monotonic()
            print(f'  seed {seed} {row}: bank from {src} -> {bank}', flush=True)
            dump_features(osp.join(seed_dir, src.replace('+', '_'), 'config.py'), ckpts[src],
                          bank, splits=['train', 'val'])
            timings[f'dump {name}'] = round(time.monotonic() - t, 1)
            ((bank_cfg, _),) = bank_configs(cfg.model)
            bank_cfg.root = bank
            if args.window is not None:
                bank_cfg.window = tuple(args.window)
                if row == 'lfb':
                    n = (args.window[1] - args.window[0] + 1) * bank_cfg.max_per_keyframe
                    cfg.model.roi_head.shared_head.fbo_cfg.num_lt_feat = n
        t = time.monotonic()
        metrics = train_and_test(cfg, step, f'seed {seed} {row}', seed, args.train_cache or None)
        timings[f'train+test {row}'] = round(time.monotonic() - t, 1)
        ckpts[row] = osp.join(step, f'epoch_{args.epochs}.pth')
        if not osp.isfile(csvs[row]):
            raise RuntimeError(f'{step}: test wrote no {csvs[row]} (delete test_metrics.json '
                               'there and re-run)')
        per_class[row] = _per_class(metrics)

    if 'ensemble' in args.rows:
        out = csvs['ensemble'] = osp.join(seed_dir, 'ensemble', 'detections.csv')
        members = [csvs[r] for r in ENSEMBLE]
        if not osp.isfile(out) or osp.getmtime(out) < max(osp.getmtime(m) for m in members):
            os.makedirs(osp.dirname(out), exist_ok=True)
            crossfit_ensemble(members, osp.join(anno, 'ava_val.csv'),
                              osp.join(anno, 'ava_action_list.pbtxt'), out,
                              exclusions=osp.join(anno, 'ava_val_excluded_timestamps.csv'))
        res = evaluate_ava(osp.join(anno, 'ava_val.csv'), out,
                           osp.join(anno, 'ava_action_list.pbtxt'),
                           osp.join(anno, 'ava_val_excluded_timestamps.csv'))
        per_class['ensemble'] = {n: (float('nan') if ap is None else 100 * ap)
                                 for n, ap in res.per_class.items()}
    results: dict[str, Any] = {row: overall_and_group_means(per_class[row], groups)
                               for row in args.rows}
    results['_per_class'] = {row: per_class[row] for row in args.rows}
    results['_chance'] = overall_and_group_means(val_prevalence(anno), groups)
    results['_groups'] = groups
    results['_noise'] = claim_noise({row: csvs[row] for row in args.rows}, anno, groups, CLAIMS,
                                    n_boot=args.n_boot)
    return results


def report(per_seed: dict[int, dict[str, Any]], args: argparse.Namespace,
           log: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The markdown report and its JSON twin."""
    from mmaction_plugins.analysis import CHANCE_ROW, claims_table, groups_line, seed_table
    from mmaction_plugins.analysis.ablation_cli import report_json
    from mmaction_plugins.analysis.claim_noise import NOISE_NOTE, seed_noise

    rows = [r for r in ROWS if r in args.rows]
    seeds = sorted(per_seed)
    first = per_seed[seeds[0]]
    cap = list(dict.fromkeys(first['_groups'].values()))
    columns = ['overall', *cap]
    values = {s: {row: per_seed[s][row] for row in rows} for s in seeds}
    chance = all('_chance' in per_seed[s] for s in seeds)
    if chance:
        for s in seeds:
            values[s][CHANCE_ROW] = per_seed[s]['_chance']
    window = args.window or (-8, 8)
    start = (f'from the seed\'s shared backbone (the linear chain trained {args.shared_backbone} '
             'epochs from scratch, RoI head dropped)' if args.shared_backbone
             else 'from scratch')
    lines = [f'Synthetic `{args.preset}`, seeds {", ".join(map(str, seeds))}; AVA frame-mAP@0.5 '
             f'(official semantics, %) on the validation split, ground-truth person boxes; mean '
             f'± std over seeds. Every row: {args.epochs} epochs {start}, bbox jitter; '
             f'banks: window {window[0]}..{window[1]} s, 5 actors per keyframe; ensemble: '
             'linear + ACAR + ACAR+ACFB, per-class AP weights cross-fitted over 2 folds of '
             'validation videos.', '',
             seed_table(values, rows + ([CHANCE_ROW] if chance else []), columns), '']
    claims = [c for c in CLAIMS if c[0] in rows and c[1] in rows]
    noise = seed_noise(per_seed)
    if claims:
        lines += ['**Paired differences (same seed), the report\'s claims**', '',
                  claims_table(values, claims, noise=noise), '']
        if noise is not None:
            lines += [NOISE_NOTE.format(n_boot=args.n_boot), '']
    lines += [groups_line(first['_groups']), '']
    if chance:
        lines += [f'The last row ({CHANCE_ROW}) is the share of validation person-keyframes '
                  'that carry each class: the expected AP of a random ranking of the '
                  'ground-truth persons, the level a row must clear before its group says '
                  'anything.', '']
    return '\n'.join(lines), report_json(args, per_seed, log)


def _order_rows(args: argparse.Namespace) -> None:
    args.rows = [r for r in ROWS if r in args.rows]


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis.ablation_cli import ablation_main

    return ablation_main(build_parser, run_seed, report, argv, _order_rows)


if __name__ == '__main__':
    sys.exit(main())
