"""Command line of the scorers: ``python -m mmaction_plugins.evaluation {ava,multisports,tps}``.

::

    python -m mmaction_plugins.evaluation ava --gt GT.csv --det DET.csv --label-map MAP \\
        [--exclusions EXCL.csv] [--json OUT.json]
    python -m mmaction_plugins.evaluation multisports --gt GT.pkl [--frame-dets F.pkl] \\
        [--video-dets V.pkl] [--link] [--error] [--json OUT.json]
    python -m mmaction_plugins.evaluation tps --gt-vid G.json --gt-part P.json \\
        --pred-vid PV.json --pred-part PP.json [--json OUT.json]

AVA JSON: ``{"mAP": fraction, "per_class": {name: AP or null}}``; MultiSports JSON (percent):
``{"frameAP@0.5", "videoAP@0.2", "videoAP@0.5", "videoAP@0.1:0.9"}``. Bad input exits with
status 2 and a message naming the file and line or key.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ['main', 'build_parser']


def _nan_to_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (subcommands ``ava``, ``multisports``, ``tps``)."""
    p = argparse.ArgumentParser(prog='python -m mmaction_plugins.evaluation',
                                description='Official-equivalent AVA / MultiSports / '
                                            'Kinetics-TPS scorers.')
    sub = p.add_subparsers(dest='task', required=True)
    a = sub.add_parser('ava', help='AVA frame-mAP@0.5 (ActivityNet get_ava_performance.py)')
    a.add_argument('--gt', required=True, help='ground-truth CSV')
    a.add_argument('--det', required=True, help='detection CSV (8 columns, with score)')
    a.add_argument('--label-map', required=True, help='pbtxt or "id: name" label map')
    a.add_argument('--exclusions', help='excluded timestamps CSV')
    a.add_argument('--ignore-unannotated', action='store_true',
                   help='drop detections on keyframes without ground truth (the official '
                        'evaluator counts them as false positives)')
    a.add_argument('--json', help='write the result JSON here')
    m = sub.add_parser('multisports', help='MultiSports frame-/video-mAP (evaluate_multisports.py)')
    m.add_argument('--gt', required=True, help='ground-truth pickle')
    m.add_argument('--frame-dets', help='frame detections pickle, (N, 8) array')
    m.add_argument('--video-dets', help='video detections pickle, {label: [(video, score, tube)]}')
    m.add_argument('--link', action='store_true',
                   help='link the frame detections into tubes and score those as video dets')
    m.add_argument('--min-len', type=int, default=15, help='shortest linked tube (frames)')
    m.add_argument('--error', action='store_true',
                   help='also print the official video-AP error analysis at 0.5')
    m.add_argument('--json', help='write the result JSON here')
    t = sub.add_parser('tps', help='Kinetics-TPS part-state score')
    for name in ('gt-vid', 'gt-part', 'pred-vid', 'pred-part'):
        t.add_argument(f'--{name}', required=True)
    t.add_argument('--json', help='write the result JSON here')
    return p


def _run_ava(args: argparse.Namespace) -> dict[str, Any]:
    from mmaction_plugins.evaluation.ava import evaluate_ava

    res = evaluate_ava(args.gt, args.det, args.label_map, args.exclusions,
                       ignore_unannotated=args.ignore_unannotated)
    print(f'mAP@0.5IOU: {res.mAP:.10f}')
    for name, v in res.group_mAP.items():
        print(f'  {name}: {"n/a" if v is None else f"{v:.10f}"}')
    for name, ap in res.per_class.items():
        print(f'  AP {name}: {"n/a (no ground truth)" if ap is None else f"{ap:.10f}"}')
    for part, st in res.stats.items():
        if st:
            print(f'  {part}: {st}')
    return res.to_json()


def _run_multisports(args: argparse.Namespace) -> dict[str, Any]:
    from mmaction_plugins.evaluation.multisports import multisports_summary
    from mmaction_plugins.evaluation.multisports_gt import (
        load_frame_dets,
        load_multisports_gt,
        load_video_dets,
    )

    if args.frame_dets is None and args.video_dets is None:
        raise ValueError('give --frame-dets and/or --video-dets')
    if args.link and args.frame_dets is None:
        raise ValueError('--link needs --frame-dets')
    if args.link and args.video_dets is not None:
        raise ValueError('--link builds the video detections; do not also give --video-dets')
    gt = load_multisports_gt(args.gt)
    frame_dets = load_frame_dets(args.frame_dets) if args.frame_dets else None
    video_dets = load_video_dets(args.video_dets) if args.video_dets else None
    if args.link and frame_dets is not None:
        from mmaction_plugins.evaluation.tube_linking import link_tubes

        video_dets = link_tubes(gt, frame_dets, min_len=args.min_len)
    out = multisports_summary(gt, frame_dets, video_dets)
    for k, v in out.items():
        print(f'{k}: {v:.6f}')
    if args.error:
        if video_dets is None:
            raise ValueError('--error needs video detections (--video-dets or --link)')
        from mmaction_plugins.evaluation.multisports_error import ERROR_COLUMNS, video_ap_error

        err = video_ap_error(gt, video_dets, 0.5)
        print('error analysis @0.5 (mean over classes, %): ' + ', '.join(
            f'{c} {err[c]["mean"]:.2f}' for c in ERROR_COLUMNS))
    return _nan_to_none(out)


def _run_tps(args: argparse.Namespace) -> dict[str, Any]:
    from mmaction_plugins.evaluation.kinetics_tps import evaluate_tps_files

    res = evaluate_tps_files(args.gt_vid, args.gt_part, args.pred_vid, args.pred_part)
    summary = res.to_json()
    print(f'area: {res.area:.6f}  mean PSC: {summary["mean_psc"]}  '
          f'video accuracy: {summary["video_accuracy"]}')
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    from mmaction_plugins.utils.atomic_io import atomic_write_json
    from mmaction_plugins.utils.safe_pickle import UnsafePickleError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')
    runners = {'ava': _run_ava, 'multisports': _run_multisports, 'tps': _run_tps}
    try:
        result = runners[args.task](args)
    except (ValueError, FileNotFoundError, UnsafePickleError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if args.json:
        atomic_write_json(args.json, result)
    return 0
