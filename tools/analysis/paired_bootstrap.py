"""Is B's AVA frame-mAP gain over A more than evaluation noise? A paired video bootstrap.

Both result files are matched once against the same ground truth (official semantics, AP@0.5);
then the validation *videos* are resampled with replacement ``--n-boot`` times, the same resamples
for both models, and every class's AP recomputed on each (:mod:`mmaction_plugins.evaluation.
ava_bootstrap`). Printed per class group: A, B, B − A on the full set, the bootstrap std of
B − A (the evaluation-noise std of this one trained pair), its percentile interval and the share
of resamples where B does not beat A. It measures nothing about training noise: compare its std
with the spread over seeds to see which one a seed table's spread is made of.

Inputs are AVA result CSVs (``tools/test.py ... test_evaluator.out_csv=...``; the ACAR
ablation's ``detections.csv``) or predictions files (the other AVA ablations'
``val_predictions.npz``). Class groups: the synthetic benchmark's capability groups with ``--data``
(or ``--manifest``), else AVA's three (person movement, object manipulation, person
interaction).

    python tools/analysis/paired_bootstrap.py --data data/synthetic/full-s2 \\
        --a work_dirs/acar_ablation_e12/seed2/linear/detections.csv \\
        --b work_dirs/acar_ablation_e12/seed2/acar/detections.csv --names linear acar

    python tools/analysis/paired_bootstrap.py --gt ava_val_v2.2.csv --label-map \\
        ava_action_list_v2.2_for_activitynet_2019.pbtxt --exclusions \\
        ava_val_excluded_timestamps_v2.2.csv --a linear.csv --b acar.csv
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def paired_bootstrap(a: str, b: str, gt: str, label_map: str, exclusions: str | None = None,
                     manifest: str | None = None, n_boot: int = 1000, seed: int = 0,
                     level: float = 0.95) -> dict[str, dict[str, float]]:
    """Per group: ``{'a', 'b', 'diff', 'std', 'low', 'high', 'share_not_positive', 'n_boot'}``
    (AP in %; :func:`~mmaction_plugins.evaluation.ava_bootstrap.paired_group_difference`)."""
    from mmaction_plugins.analysis import class_groups
    from mmaction_plugins.analysis.claim_noise import class_id_groups, match_detections
    from mmaction_plugins.evaluation.ava_bootstrap import paired_group_difference
    from mmaction_plugins.evaluation.label_map import read_label_map

    lm = read_label_map(label_map)
    by_name = None
    if manifest is not None:
        with open(manifest, encoding='utf-8') as f:
            by_name = class_groups(json.load(f))
    groups = class_id_groups(lm, by_name, manifest or 'class groups')
    ma, mb = (match_detections(p, gt, lm, exclusions) for p in (a, b))
    diffs = paired_group_difference(ma, mb, groups, n_boot=n_boot, seed=seed, level=level)
    return {name: {'a': 100 * d.a, 'b': 100 * d.b, 'diff': 100 * d.observed, 'std': 100 * d.std,
                   'low': 100 * d.low, 'high': 100 * d.high,
                   'share_not_positive': d.share_not_positive, 'n_boot': d.n_boot}
            for name, d in diffs.items()}


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis import markdown_table
    from mmaction_plugins.utils.atomic_io import atomic_write_text

    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--a', required=True, help='baseline: AVA result CSV or predictions .npz')
    p.add_argument('--b', required=True, help='compared model, same format choices')
    p.add_argument('--names', nargs=2, default=['A', 'B'], metavar=('A', 'B'))
    p.add_argument('--data', help='a synthetic benchmark folder: its validation ground truth, '
                                  'exclusions, label map and class groups')
    p.add_argument('--gt', help='ground-truth AVA CSV (without --data)')
    p.add_argument('--label-map', help='label map pbtxt (without --data)')
    p.add_argument('--exclusions', help='excluded-timestamps CSV')
    p.add_argument('--manifest', help="class groups from a synthetic benchmark's manifest.json")
    p.add_argument('--n-boot', type=int, default=1000)
    p.add_argument('--seed', type=int, default=0, help='resampling seed')
    p.add_argument('--level', type=float, default=0.95, help='coverage of the interval')
    p.add_argument('--json', help='also write the numbers here')
    args = p.parse_args(argv)
    if args.data:
        anno = osp.join(args.data, 'ava', 'annotations')
        args.gt = args.gt or osp.join(anno, 'ava_val.csv')
        args.label_map = args.label_map or osp.join(anno, 'ava_action_list.pbtxt')
        args.exclusions = args.exclusions or osp.join(anno, 'ava_val_excluded_timestamps.csv')
        args.manifest = args.manifest or osp.join(args.data, 'manifest.json')
    if not args.gt or not args.label_map:
        p.error('give --data, or --gt and --label-map')
    res = paired_bootstrap(args.a, args.b, args.gt, args.label_map, args.exclusions,
                           args.manifest, args.n_boot, args.seed, args.level)
    a, b = args.names
    pct = f'{100 * args.level:g}%'
    rows = [[g, f"{r['a']:.2f}", f"{r['b']:.2f}", f"{r['diff']:+.2f}", f"{r['std']:.2f}",
             f"[{r['low']:+.2f}, {r['high']:+.2f}]", f"{r['share_not_positive']:.3f}"]
            for g, r in res.items()]
    print(f'Paired video bootstrap, {args.n_boot} resamples (seed {args.seed}); AP in %.')
    print(markdown_table(['group', a, b, f'{b} − {a}', 'bootstrap std', f'{pct} interval',
                          f'share {b} ≤ {a}'], rows))
    if args.json:
        atomic_write_text(args.json, json.dumps(res, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
