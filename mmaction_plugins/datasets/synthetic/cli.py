"""Command line: ``python -m mmaction_plugins.datasets.synthetic --preset tiny|small|full
--seed N --out DIR``.

Prints one line per video to stderr and the output folder to stdout.
"""

from __future__ import annotations

import argparse
import sys
import time

from mmaction_plugins.datasets.synthetic.generate import generate
from mmaction_plugins.datasets.synthetic.presets import PRESETS

__all__ = ['main', 'build_parser']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exactly ``--preset``, ``--seed``, ``--out``)."""
    parser = argparse.ArgumentParser(
        prog='python -m mmaction_plugins.datasets.synthetic',
        description='Generate the synthetic spatio-temporal action detection benchmark '
                    '(AVA, MultiSports, COCO and Kinetics-TPS layouts).')
    parser.add_argument('--preset', required=True, choices=sorted(PRESETS),
                        help='dataset size: tiny (CI), small (quick start), full (ablations)')
    parser.add_argument('--seed', required=True, type=int, help='random seed')
    parser.add_argument('--out', required=True, help='output folder')
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    start = time.monotonic()

    def progress(msg: str) -> None:
        print(f'[{time.monotonic() - start:7.1f}s] {msg}', file=sys.stderr, flush=True)

    generate(PRESETS[args.preset], args.seed, args.out, progress=progress)
    print(args.out)
    return 0
