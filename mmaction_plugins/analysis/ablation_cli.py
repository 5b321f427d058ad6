"""What every ablation script under ``tools/analysis/`` shares: its common command-line
arguments and its main loop (seeds one after the other, then the report, written atomically).

A script defines ``run_seed(args, seed, log) -> per-seed results`` and ``report(per_seed, args,
log) -> (markdown, json)``; :func:`run_ablation` calls them and writes
``<work-dir>/ablation.md`` and ``<work-dir>/ablation.json``, and with ``--readme FILE`` also
replaces a marked block of ``FILE`` (a config folder's README) by the tables and the exact command
that made them: the block between :data:`README_START` and :data:`README_END`, or with
``--readme-block NAME`` the one between ``<!-- ablation:NAME:start -->`` and
``<!-- ablation:NAME:end -->`` (:func:`readme_markers`), so one README can hold several tables
that its scripts own. The block is checked before the first seed runs, so a missing marker
fails in seconds, not after hours of training.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import re
import shlex
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ['README_END', 'README_START', 'ablation_main', 'ablation_parser', 'prepare_seed',
           'readme_markers', 'check_readme_block', 'report_json', 'run_ablation',
           'scene_sample_parser', 'update_readme', 'add_noise_argument']

README_START, README_END = '<!-- ablation:start -->', '<!-- ablation:end -->'
#: what a block name may hold (it is written into an HTML comment)
_BLOCK_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]*')

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
    p.add_argument('--readme', default=None,
                   help=f'also write the tables (and this command) between the {README_START} '
                        f'and {README_END} markers of this file')
    p.add_argument('--readme-block', default=None, metavar='NAME',
                   help='with --readme: fill the block between <!-- ablation:NAME:start --> and '
                        '<!-- ablation:NAME:end --> instead (one README, several tables)')
    return p


def add_noise_argument(p: argparse.ArgumentParser) -> None:
    """``--n-boot`` (1000) of the AVA-scored ablations: resamples of the validation videos behind
    each claim's evaluation-noise column (:mod:`mmaction_plugins.analysis.claim_noise`)."""
    p.add_argument('--n-boot', type=int, default=1000,
                   help="resamples of the validation videos for each claim's evaluation noise "
                        '(paired video bootstrap)')


def scene_sample_parser(doc: str) -> argparse.ArgumentParser:
    """A parser for the analyses that plan the benchmark's scenes without rendering them:
    ``--preset`` (default ``full``), ``--seeds`` (0), ``--video-step`` and ``--frame-step``
    (every N-th video / frame, default 1).

    Args:
        doc: The script's module docstring (its first paragraph is the description).
    """
    p = argparse.ArgumentParser(description=doc.split('\n\n')[0])
    p.add_argument('--preset', default='full')
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--video-step', type=int, default=1, help='every N-th video')
    p.add_argument('--frame-step', type=int, default=1, help='every N-th frame')
    return p


def report_json(args: argparse.Namespace, per_seed: dict[int, dict[str, Any]],
                log: dict[str, Any]) -> dict[str, Any]:
    """The JSON twin of a report: the arguments, the per-seed results (keys as strings, seeds
    in order), the step timings and ``env``: torch's version and intra-op thread count — CPU
    training is bit-reproducible only at the same thread count (1 and 2 threads give models
    ~13 % apart after one epoch of the tiny chain), so a re-run elsewhere must match it."""
    import torch

    return {'args': vars(args), 'per_seed': {str(s): per_seed[s] for s in sorted(per_seed)},
            'seconds': log,
            'env': {'torch': torch.__version__, 'torch_num_threads': torch.get_num_threads()}}


def ablation_main(build_parser: Callable[[], argparse.ArgumentParser], run_seed: RunSeed,
                  report: Report, argv: list[str] | None = None,
                  complete_args: Callable[[argparse.Namespace], None] | None = None) -> int:
    """A script's ``main``: parse ``argv``, let ``complete_args`` add what the chosen rows
    need (rows they are built from, ...), then :func:`run_ablation`. Returns the exit code."""
    args = build_parser().parse_args(argv)
    if complete_args is not None:
        complete_args(args)
    run_ablation(args, run_seed, report, argv)
    return 0


def readme_markers(name: str | None = None) -> tuple[str, str]:
    """The start and end markers of a README block: :data:`README_START` / :data:`README_END`
    without a name, ``<!-- ablation:NAME:start -->`` / ``<!-- ablation:NAME:end -->`` with one.

    Raises:
        ValueError: ``name`` is not letters, digits, ``_``, ``.`` and ``-``.
    """
    if name is None:
        return README_START, README_END
    if not _BLOCK_NAME.fullmatch(name):
        raise ValueError(f'README block name {name!r}: use letters, digits, _ . and -')
    return f'<!-- ablation:{name}:start -->', f'<!-- ablation:{name}:end -->'


def _split_block(path: str, text: str, name: str | None) -> tuple[str, str, str, str]:
    """``(head, start, end, tail)`` around the one block ``name`` of ``text`` (read from
    ``path``, named in the errors)."""
    start, end = readme_markers(name)
    n_start, n_end = text.count(start), text.count(end)
    if n_start == 0 or n_end == 0:
        missing = ' and '.join(m for m, n in ((start, n_start), (end, n_end)) if n == 0)
        raise ValueError(f'{path}: no {start} ... {end} block to fill ({missing} missing)')
    if n_start > 1 or n_end > 1:
        raise ValueError(f'{path}: {start} / {end} appear {n_start} / {n_end} times; a block '
                         'must be marked once')
    head, rest = text.split(start, 1)
    if end not in rest:
        raise ValueError(f'{path}: {end} comes before {start}')
    _, tail = rest.split(end, 1)
    return head, start, end, tail


def check_readme_block(path: str, name: str | None = None) -> None:
    """Check that ``path`` exists and holds exactly one block ``name`` to fill.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the block is missing, marked more than once or its markers are reversed.
    """
    with open(path, encoding='utf-8') as f:
        _split_block(path, f.read(), name)


def update_readme(path: str, md: str, command: str, name: str | None = None) -> None:
    """Replace the marked block ``name`` of ``path`` (see :func:`readme_markers`) by ``md`` and
    the command that made it (atomic); the rest of the file is kept byte for byte.

    Raises:
        ValueError: ``path`` has no such block (or marks it more than once).
    """
    from mmaction_plugins.utils.atomic_io import atomic_write_text

    with open(path, encoding='utf-8') as f:
        text = f.read()
    head, start, end, tail = _split_block(path, text, name)
    block = f'{start}\nWritten by `{command}`.\n\n{md.rstrip()}\n{end}'
    atomic_write_text(path, head + block + tail)


def run_ablation(args: argparse.Namespace, run_seed: RunSeed, report: Report,
                 argv: list[str] | None = None) -> str:
    """Run every seed, then write the report (and, with ``args.readme``, the README block).

    Args:
        args: Parsed arguments (:func:`ablation_parser`'s and the script's).
        run_seed, report: The script's functions (see the module docstring).
        argv: The script's arguments, for the command written to the README (default
            ``sys.argv[1:]``).

    Returns:
        str: The markdown report (also printed, and written to ``<work-dir>/ablation.md``).

    Raises:
        ValueError: ``args.readme`` lacks the block to fill (checked before any seed runs).
    """
    import mmaction_plugins  # noqa: F401  (compat repairs and registrations)
    from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

    readme, block = getattr(args, 'readme', None), getattr(args, 'readme_block', None)
    if block is not None and not readme:
        raise ValueError('--readme-block names a block of the --readme file: give --readme too')
    if readme:  # fail now, not after the seeds have trained
        check_readme_block(readme, block)
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
    if readme:
        script = osp.relpath(osp.abspath(sys.argv[0])) if sys.argv and sys.argv[0] else 'tools'
        update_readme(readme, md, ' '.join(
            ['python', script, *map(shlex.quote, sys.argv[1:] if argv is None else argv)]),
            block)
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
