"""Size of the synthetic benchmark's arm evidence at a model's input scale: person height, drawn
arm widths and wrist travel over a clip, in input pixels, for each arm class and for the labels
of no arm class (:mod:`mmaction_plugins.analysis.arm_signal`). Plans the scenes only (seconds;
nothing rendered or written).

    python tools/analysis/arm_signal_size.py --preset full --seeds 0 1 2 --short-sides 64 144 \\
        --video-step 4 --frame-step 6
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
    from mmaction_plugins.analysis.arm_signal import arm_signal_size

    p = scene_sample_parser(__doc__)
    p.add_argument('--short-sides', type=int, nargs='+', default=[64],
                   help="the model's input short side (tiny configs: 64; frames: 144)")
    p.add_argument('--clip-frames', type=int, default=32, help='frames a clip spans (16 x 2)')
    args = p.parse_args(argv)
    rows = []
    for seed in args.seeds:
        for side in args.short_sides:
            r = arm_signal_size(args.preset, seed, side, args.clip_frames, args.video_step,
                                args.frame_step)
            for name, v in r.items():
                rows.append([str(seed), str(side), name, f"{v['labels']:.0f}",
                             f"{v['box_height']:.1f}", f"{v['upper_arm_width']:.2f}",
                             f"{v['forearm_width']:.2f}", f"{v['wrist_travel']:.1f}",
                             f"{v['wrist_travel_p90']:.1f}"])
    print(markdown_table(['seed', 'short side', 'labels of', 'n', 'box height', 'upper-arm width',
                          'forearm width', 'wrist travel', 'wrist travel p90'], rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
