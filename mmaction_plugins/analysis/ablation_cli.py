"""What every ablation script under ``tools/analysis/`` shares: its common command-line
arguments and its main loop (seeds one after the other, then the report, written atomically).

A script defines ``run_seed(args, seed, log) -> per-seed results`` and ``report(per_seed, args,
log) -> (markdown, json)``; :func:`run_ablation` calls them and writes
``<work-dir>/ablation.md`` and ``<work-dir>/ablation.json``.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import time
from collections.abc import Callable
from typing import Any

__all__ = ['ablation_parser', 'prepare_seed', 'run_ablation']

RunSeed = Callable[[argparse.Namespace, int, dict[str, Any]], dict[str, Any]]
Report = Callable[[dict[int, dict[str, Any]], argparse.Namespace, dict[str, Any]],
                  tuple[str, dict[str, Any]]]


def ablation_parser(doc: str, work_dir: str) -> argparse.ArgumentParser:
    """A parser with the arguments of every ablation: ``--preset`` (default ``full``),
    ``--seeds`` (0 1 2), ``--data-root`` (``data/synthetic``; datasets are
    ``<data-root>/<preset>-s<seed>``, generated when missing), ``--work-dir`` (``work_dir``) and
    ``--train-cache`` (``work_dirs/train_cache``, see :func:`mmaction_plugins.engine.runs.train`).

    Args:
        doc: The script's module docstring (its first paragraph is the description).
        work_dir: Default ``--work-dir``.
    """
    p = argparse.ArgumentParser(description=doc.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--preset', default='full', help='synthetic preset (default: full)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--data-root', default='data/synthetic',
                   help='datasets are <data-root>/<preset>-s<seed> (generated when missing)')
    p.add_argument('--work-dir', default=work_dir)
    p.add_argument('--train-cache', default='work_dirs/train_cache',
                   help='trainings shared with the other ablations (same config, data, seed); '
                        "'' to disable")
    return p


def run_ablation(args: argparse.Namespace, run_seed: RunSeed, report: Report) -> str:
    """Run every seed, then write the report.

    Returns:
        str: The markdown report (also printed, and written to ``<work-dir>/ablation.md``).
    """
    import mmaction_plugins  # noqa: F401  (compat repairs and registrations)
    from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

    os.makedirs(args.work_dir, exist_ok=True)
    log: dict[str, Any] = {}
    t0 = time.monotonic()
    per_seed = {}
    for seed in args.seeds:
        print(f'\n== seed {seed}', flush=True)
        per_seed[seed] = run_seed(args, seed, log)
    log['total'] = round(time.monotonic() - t0, 1)
    md, data = report(per_seed, args, log)
    atomic_write_text(osp.join(args.work_dir, 'ablation.md'), md)
    atomic_write_json(osp.join(args.work_dir, 'ablation.json'), data)
    print('\n' + md)
    print(f'total {log["total"] / 60:.1f} min; {osp.join(args.work_dir, "ablation.md")}')
    return md


def prepare_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]
                 ) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """The start of every ``run_seed``: the seed's dataset (generated when missing) and folders.

    Returns:
        ``(data, seed_dir, timings, manifest)``: the absolute dataset folder
        ``<data-root>/<preset>-s<seed>``, the absolute ``<work-dir>/seed<seed>``, the seed's
        dict in ``log`` (``timings['data']`` set to the seconds the data took) and the
        dataset's manifest.
    """
    from mmaction_plugins.engine.runs import ensure_data

    data = osp.abspath(osp.join(args.data_root, f'{args.preset}-s{seed}'))
    seed_dir = osp.abspath(osp.join(args.work_dir, f'seed{seed}'))
    timings: dict[str, Any] = log.setdefault(f'seed{seed}', {})
    t = time.monotonic()
    manifest = ensure_data(args.preset, seed, data)
    timings['data'] = round(time.monotonic() - t, 1)
    return data, seed_dir, timings, manifest
