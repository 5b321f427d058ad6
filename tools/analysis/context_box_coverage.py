"""Share of the synthetic benchmark's context labels whose object centre lies inside the person
box scaled by ``s`` (PCCA's context box: ``s = 2`` in the report): how much of the evidence a
context head can attend to (:mod:`mmaction_plugins.analysis.context_coverage`). Plans the
scenes only (seconds; nothing rendered or written).

    python tools/analysis/context_box_coverage.py --preset full --seeds 0 1 2 --video-step 4 \\
        --frame-step 6
"""

from __future__ import annotations

import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis import markdown_table
    from mmaction_plugins.analysis.ablation_cli import scene_sample_parser
    from mmaction_plugins.analysis.context_coverage import context_box_coverage

    p = scene_sample_parser(__doc__)
    p.add_argument('--scales', type=float, nargs='+', default=[2.0, 3.0, 4.0])
    args = p.parse_args(argv)
    rows = []
    for seed in args.seeds:
        r = context_box_coverage(args.preset, seed, args.scales, args.video_step,
                                 args.frame_step)
        rows.append([str(seed), str(r['labels']), f"{r['median_box_aspect']:.2f}",
                     *(f'{100 * r["coverage"][float(s)]:.1f}' for s in args.scales)])
    print(markdown_table(['seed', 'context labels', 'median box w/h',
                          *(f'inside {s:g}x box (%)' for s in args.scales)], rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
