"""Multi-scale features ablation (issue 8, seed report ``003``) on the synthetic benchmark, 3 seeds.

Rows (each trained and scored once per seed; a seed is a fresh synthetic dataset *and* a fresh
initialisation):

1. ``short-term`` — the tiny SlowFast + mmaction2's ``AVARoIHead`` (RoI feature of a ~1 s clip),
   ``configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py``;
2. ``+global`` — plus the clip's globally pooled feature (mmaction2's ``with_global`` +
   ``GlobalContextHead``), ``configs/multiscale/global_slowfast-tiny_...``;
3. ``+lfb`` — plus a long-term feature bank: the ``+global`` model whose fused feature also
   attends (mmaction2's non-local feature-bank operator) to the pooled RoI features of the
   ``short-term`` model at the keyframes -8 s .. +8 s, dumped from row 1's checkpoint
   (``tools/dump_features.py``), ``configs/multiscale/global-lfb_slowfast-tiny_...``
   (``--lfb-config ''`` leaves the row out; row 4 then merges into row 2);
4. ``+arm merge`` — the arm model (``configs/multiscale/arm_slowfast-tiny_...``: RoIs at the arm
   boxes of the ground-truth keypoints, trained on the arm classes wave / point / raise arm;
   ``--arm-config`` swaps in another, e.g. ``arm-144px_...`` at the frames' own resolution)
   merged into the last main row for the arm classes whose AP improves on held-out validation
   videos (2-fold cross-selection over the validation videos: the classes merged into one half
   are chosen on the other; ``--merge-selection same`` chooses on all of them, the report's way).

Every model is trained on the AVA layout (ground-truth person boxes as proposals) and scored with
the official-semantics AVA frame-mAP@0.5 on the validation split, per class, then averaged per
capability group (``context`` is where the global feature must help, ``long-term`` where LFB
must, ``arm`` where the arm merge must). Results: ``<work-dir>/ablation.md`` (mean ± std over
seeds, paired per-seed differences) and ``<work-dir>/ablation.json``; every step's outputs stay in
``<work-dir>/seed<N>/<row>/`` and a re-run only does what is missing.

    python tools/analysis/multiscale_ablation.py --preset full --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import time
from collections.abc import Callable
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

ROWS = ('short-term', '+global', '+lfb', '+arm merge')
CONFIGS = {
    'short-term': 'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    '+global': 'configs/multiscale/global_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'arm': 'configs/multiscale/arm_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
}
#: The ``+lfb`` row's config (``--lfb-config`` overrides it; ``''`` leaves the row out).
LFB_CONFIG = 'configs/multiscale/global-lfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py'
#: The row whose model fills the ``+lfb`` row's bank.
LFB_SOURCE = 'short-term'
#: Main rows whose checkpoint may start the arm model (``--arm-init``).
ARM_INIT_ROWS = ('short-term', '+global')
#: (row, baseline row, group, claim) comparisons the report makes; ``+arm merge`` is compared
#: with the row it was merged into.
CLAIMS = (('+global', 'short-term', 'context', 'the global feature helps context classes'),
          ('+lfb', '+global', 'long-term', 'the feature bank helps long-term classes'),
          ('+arm merge', None, 'arm', 'the arm merge helps arm classes'),
          ('+arm merge', 'short-term', 'overall', 'all features together beat short-term only'))


def resolved_claims(rows: list[str], into: str | None, lfb_config: str
                    ) -> list[tuple[str, str, str, str]]:
    """The :data:`CLAIMS` a run can make: ``+arm merge``'s baseline set to the row it was merged
    into (``into``), claims on rows not run (or ``+lfb`` without a config) left out."""
    out = []
    for row, base, group, text in CLAIMS:
        base = into if base is None else base
        if base is None or row not in rows or base not in rows or (
                '+lfb' in (row, base) and not lfb_config):
            continue
        out.append((row, base, group, text))
    return out


def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser, add_noise_argument

    p = ablation_parser(__doc__, 'work_dirs/multiscale_ablation')
    add_noise_argument(p)
    p.add_argument('--epochs', type=int, default=3,
                   help='epochs of every model (the configs say 6 for the small preset; full '
                        'has 6.5x more keyframes per epoch)')
    p.add_argument('--lfb-config', default=LFB_CONFIG,
                   help="config of the +lfb row ('' leaves the row out)")
    p.add_argument('--arm-config', default=CONFIGS['arm'],
                   help="config of the arm model (e.g. configs/multiscale/arm-144px_...: the "
                        "frames' own 144 px); it trains in <work-dir>/seed<N>/<the config name's "
                        "first '_' field>, beside the same main rows")
    p.add_argument('--arm-init', choices=('none', *ARM_INIT_ROWS), default='none',
                   help="start the arm model from this main row's checkpoint of the same seed "
                        '(its backbone and RoI head; the classifier, of another size, starts '
                        "fresh) — the tiny chain's stand-in for the report's pre-trained "
                        "backbone; it trains in seed<N>/<field>-from-<row>")
    p.add_argument('--keypoint-files', nargs=2, metavar=('TRAIN', 'VAL'),
                   help='per-person keypoint files of the arm model (may contain {seed}); '
                        'default: the ground-truth keypoints of the benchmark\'s COCO export')
    p.add_argument('--merge-mode', choices=('mean', 'replace', 'max'), default='mean')
    p.add_argument('--merge-weight', type=float, default=0.5,
                   help="the arm model's weight in --merge-mode mean")
    p.add_argument('--merge-selection', choices=('crossfold', 'same'), default='crossfold')
    p.add_argument('--merge-folds', type=int, default=2)
    p.add_argument('--merge-min-gain', type=float, default=0.0,
                   help='AP gain (fraction) a class needs on the selection videos')
    p.add_argument('--rows', nargs='+', choices=ROWS, default=list(ROWS))
    return p


def _keypoint_files(args: argparse.Namespace, seed: int, data: str, seed_dir: str
                    ) -> dict[str, str]:
    """Train / val keypoint files of the arm model (ground truth written once per seed)."""
    from mmaction_plugins.datasets.coco_person_keypoints import coco_keypoints_to_person_parts
    from mmaction_plugins.datasets.person_parts_file import save_person_parts

    if args.keypoint_files:
        return {s: f.format(seed=seed) for s, f in zip(('train', 'val'), args.keypoint_files)}
    out = {}
    for split in ('train', 'val'):
        path = osp.join(seed_dir, 'keypoints', f'gt_keypoints_{split}.npz')
        if not osp.isfile(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
            save_person_parts(coco_keypoints_to_person_parts(
                osp.join(data, 'coco', f'person_keypoints_{split}.json')), path)
        out[split] = path
    return out


def _keypoint_edit(kpts: dict[str, str]) -> Callable[[Any], None]:
    """A config edit that points the arm model's datasets at ``kpts``."""
    def edit(cfg: Any) -> None:
        cfg.train_dataloader.dataset.keypoint_file = kpts['train']
        for loader in ('val_dataloader', 'test_dataloader'):
            cfg[loader].dataset.keypoint_file = kpts['val']
    return edit


def _arm_step(arm_config: str, init: str) -> str:
    """The arm model's folder in a seed's: its config name's first field (``arm``,
    ``arm-144px``), ``-from-<row>`` when it starts from a main row's checkpoint — so that arm
    models of another ``--arm-config`` or ``--arm-init`` train beside the same main rows."""
    field = osp.basename(arm_config).split('_')[0]
    return field if init == 'none' else f'{field}-from-{_row_step(init)}'


def _row_step(row: str) -> str:
    """A main row's folder name (``+global`` -> ``global``, ``+arm merge`` -> ``arm_merge``)."""
    return row.lstrip('+').replace(' ', '_')


def _load_edit(ckpt: str, then: Callable[[Any], None]) -> Callable[[Any], None]:
    """``then``, and the config's ``load_from`` set to ``ckpt``."""
    def edit(cfg: Any) -> None:
        then(cfg)
        cfg.load_from = ckpt
    return edit


def _bank_edit(root: str) -> Callable[[Any], None]:
    """A config edit that points the model's feature bank at ``root``."""
    def edit(cfg: Any) -> None:
        from mmaction_plugins.datasets.feature_bank import bank_configs

        banks = list(bank_configs(cfg.model))
        if len(banks) != 1:
            raise ValueError(f'the +lfb config must have one feature bank, it has {len(banks)}')
        banks[0][0]['root'] = root
    return edit


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Train and score every row for one seed; returns ``{row: {group: AP %}}`` + extras."""
    from mmaction_plugins.analysis import class_groups
    from mmaction_plugins.analysis.ablation_cli import prepare_seed
    from mmaction_plugins.analysis.ava_predictions import score_ava_predictions
    from mmaction_plugins.analysis.ava_rows import chance_grouped, grouped_ap, train_row
    from mmaction_plugins.analysis.claim_noise import claim_noise
    from mmaction_plugins.analysis.merge_selection import cross_fold_merge
    from mmaction_plugins.engine.dump_features import dump_features
    from mmaction_plugins.evaluation.label_map import read_label_map

    data, seed_dir, timings, manifest = prepare_seed(args, seed, log)
    anno = osp.join(data, 'ava', 'annotations')
    gt_csv, excl = osp.join(anno, 'ava_val.csv'), osp.join(anno, 'ava_val_excluded_timestamps.csv')
    label_map = read_label_map(osp.join(anno, 'ava_action_list.pbtxt'))
    groups = class_groups(manifest)
    id_of = {name: cid for cid, name in label_map.items()}
    arm_classes = [id_of[c] for c, g in groups.items() if g == 'arm']

    main_rows = ['short-term', '+global'] + (['+lfb'] if args.lfb_config else [])
    wanted = [r for r in main_rows if r in args.rows or '+arm merge' in args.rows
              or (r == LFB_SOURCE and '+lfb' in args.rows)]
    configs = {**CONFIGS, '+lfb': args.lfb_config, 'arm': args.arm_config}
    preds: dict[str, Any] = {}
    for row in wanted + (['arm'] if '+arm merge' in args.rows else []):
        edit = (_keypoint_edit(_keypoint_files(args, seed, data, seed_dir)) if row == 'arm'
                else None)
        if row == '+lfb':  # its bank: the short-term model's RoI features, both splits
            src = osp.join(seed_dir, LFB_SOURCE)
            bank = osp.join(seed_dir, 'lfb_bank')
            t = time.monotonic()
            print(f'  seed {seed} {row}: bank from {LFB_SOURCE} -> {bank}', flush=True)
            dump_features(osp.join(src, 'config.py'), osp.join(src, f'epoch_{args.epochs}.pth'),
                          bank, splits=['train', 'val'])
            timings['dump lfb_bank'] = round(time.monotonic() - t, 1)
            edit = _bank_edit(bank)
        if row == 'arm' and args.arm_init != 'none':
            edit = _load_edit(osp.join(seed_dir, _row_step(args.arm_init),
                                       f'epoch_{args.epochs}.pth'), edit)
        step = _arm_step(configs[row], args.arm_init) if row == 'arm' else _row_step(row)
        preds[row] = train_row(osp.join(REPO, configs[row]), data, osp.join(seed_dir, step),
                               f'seed {seed} {row}', seed, args.epochs, timings, edit,
                               args.train_cache or None)

    per_class: dict[str, dict[int, float]] = {}
    for row in wanted:
        per_class[row] = score_ava_predictions(preds[row], gt_csv, label_map, excl)
    extras: dict[str, Any] = {}
    if '+arm merge' in args.rows:
        into = main_rows[-1]
        arm_map = {c: label_map[c] for c in arm_classes}
        per_class['arm model'] = score_ava_predictions(preds['arm'], gt_csv, arm_map, excl)
        t = time.monotonic()
        res = cross_fold_merge(preds[into], preds['arm'], gt_csv, label_map, excl, arm_classes,
                               mode=args.merge_mode, weight=args.merge_weight,
                               folds=args.merge_folds, min_gain=args.merge_min_gain,
                               selection=args.merge_selection)
        timings['merge'] = round(time.monotonic() - t, 1)
        per_class['+arm merge'] = score_ava_predictions(res.merged, gt_csv, label_map, excl)
        extras = {'merged_into': into, 'folds': res.folds,
                  'selected': [[label_map[c] for c in s] for s in res.selected],
                  'selection_aps': [{label_map[c]: v for c, v in a.items()}
                                    for a in res.selection_aps]}
    results: dict[str, Any] = {row: grouped_ap(pc, label_map, groups)
                               for row, pc in per_class.items()}
    results['_chance'] = chance_grouped(anno, label_map, groups)
    results['_groups'] = groups
    results['_merge'] = extras
    dets = {row: preds[row] for row in wanted}
    if '+arm merge' in args.rows:
        dets['+arm merge'] = res.merged
    claims = resolved_claims(list(dets), extras.get('merged_into'), args.lfb_config)
    results['_noise'] = claim_noise(dets, anno, groups, claims, n_boot=args.n_boot)
    return results


def report(per_seed: dict[int, dict[str, Any]], args: argparse.Namespace, log: dict[str, Any]
           ) -> tuple[str, dict[str, Any]]:
    """The markdown report and its JSON twin."""
    from mmaction_plugins.analysis import (
        CHANCE_ROW,
        chance_line,
        claims_table,
        groups_line,
        markdown_table,
        seed_stats,
    )
    from mmaction_plugins.analysis.ablation_cli import report_json
    from mmaction_plugins.analysis.claim_noise import NOISE_NOTE, seed_noise

    seeds = sorted(per_seed)
    first = per_seed[seeds[0]]
    cap = list(dict.fromkeys(first['_groups'].values()))
    columns = ['overall', *cap]
    rows = [r for r in ROWS if r in args.rows]
    body = []
    for row in rows:
        if row == '+lfb' and not args.lfb_config:
            body.append([row, *(['not run'] * len(columns))])
            continue
        body.append([row, *(seed_stats([per_seed[s][row][c] for s in seeds]).format()
                            for c in columns)])
    if '+arm merge' in args.rows:
        body.append(['(arm model alone, arm classes)', *(
            seed_stats([per_seed[s]['arm model'][c] for s in seeds]).format() if c == 'arm'
            else '' for c in columns)])
    into = first['_merge'].get('merged_into')
    setup = [f'{args.epochs} epochs per model.']
    if args.lfb_config and '+lfb' in rows:
        setup.append(f'`+lfb`: `{osp.basename(args.lfb_config)}`.')
    if into:
        init = (f', started from the `{args.arm_init}` model of its seed'
                if args.arm_init != 'none' else '')
        setup.append(f'Arm merge: {args.merge_mode} (weight {args.merge_weight}) into `{into}`, '
                     f'classes chosen by {args.merge_selection} selection over '
                     f'{args.merge_folds} folds of the validation videos; arm model '
                     f'`{osp.basename(args.arm_config)}`{init}.')
    lines = [f'Synthetic `{args.preset}`, seeds {", ".join(map(str, seeds))}; AVA frame-mAP@0.5 '
             f'(official semantics, validation split, ground-truth person boxes), mean ± std '
             f'over seeds (AP in %). ' + ' '.join(setup), '',
             markdown_table(['row', *columns], body)]
    if not args.lfb_config and '+lfb' in args.rows:
        lines += ["`+lfb` not run (`--lfb-config ''`).", '']
    claims = resolved_claims(rows, into, args.lfb_config)
    noise = seed_noise(per_seed)
    if claims:
        lines += ["**Paired differences (same seed), the report's claims**", '',
                  claims_table({s: per_seed[s] for s in seeds}, claims, noise=noise)]
        if noise is not None:
            lines += [NOISE_NOTE.format(n_boot=args.n_boot), '']
    if '+arm merge' in args.rows:
        sel = '; '.join(f'seed {s}: ' + ' | '.join(', '.join(f) or '—'
                                                   for f in per_seed[s]['_merge']['selected'])
                        for s in seeds)
        lines += [f'Arm classes merged per validation fold — {sel}.', '']
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
