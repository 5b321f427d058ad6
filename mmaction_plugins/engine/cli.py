"""Command-line entry points behind ``tools/train.py`` and ``tools/test.py``.

They follow mmaction2's own tools (same flags) and add what this project needs:

* ``mmaction_plugins`` is imported first, so the compatibility repairs and our registrations are in
  place before any config is built;
* distributed runs on a machine without CUDA use the ``gloo`` backend and a CPU
  ``MMDistributedDataParallel`` (mmengine assumes a GPU per rank);
* ``tools/test.py`` prints the metrics as one JSON line and writes them atomically to
  ``--out-json`` (default ``<work_dir>/test_metrics.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
from collections.abc import Sequence
from typing import Any

__all__ = ['train_main', 'test_main', 'build_runner']


def _common_args(parser: argparse.ArgumentParser) -> None:
    from mmengine.config import DictAction

    parser.add_argument('--work-dir', help='directory for logs, checkpoints and metrics')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config entries, e.g. train_cfg.max_epochs=1')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def _wrap_tta(cfg: Any) -> None:
    """mmdet's / mmaction2's ``--tta``: ``tta_model`` wraps ``model``; ``tta_pipeline``, when
    the config has one, replaces the test pipeline."""
    tta = dict(cfg.get('tta_model') or dict(type='STADTTAModel'))
    tta['module'] = cfg.model
    cfg.model = tta
    if cfg.get('tta_pipeline') is not None:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def _prepare_cfg(cfg: Any, args: argparse.Namespace) -> Any:
    """Apply the flags shared by train and test to a loaded config."""
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.launcher != 'none':
        _setup_cpu_distributed(cfg)
    return cfg


def _setup_cpu_distributed(cfg: Any) -> None:
    """On a machine without CUDA, start a gloo process group and wrap the model for CPU DDP.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and its default DDP wrapper passes
    ``device_ids=[LOCAL_RANK]``; both fail without a GPU. Initialising the process group here makes
    the runner skip its own ``init_dist``.
    """
    import torch
    import torch.distributed as dist

    if torch.cuda.is_available() or cfg.launcher != 'pytorch':
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'


def _shutdown_distributed() -> None:
    """Leave the process group together: without a final barrier a rank that finishes first can
    tear down its gloo connections while the other still uses them (seen: SIGABRT on exit)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def build_runner(cfg: Any) -> Any:
    """Build mmengine's default runner, or the registered one named by ``cfg.runner_type``.

    First checks that upstream registrations the STAD configs rely on are present
    (:func:`mmaction_plugins.compat.check_registrations`), so a broken mmdet install fails here,
    loudly, instead of as "AVARoIHead is not in the registry" deep in model building.
    """
    from mmengine.runner import Runner

    from mmaction_plugins.compat import check_registrations

    check_registrations()
    if 'runner_type' in cfg:
        from mmaction.registry import RUNNERS

        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def train_main(argv: Sequence[str] | None = None) -> None:
    """``tools/train.py``: train a model from a config."""
    from mmengine.config import Config

    import mmaction_plugins  # noqa: F401  (compat repairs + registrations first)

    parser = argparse.ArgumentParser(description='Train a spatio-temporal action detector')
    parser.add_argument('config', help='config file')
    parser.add_argument('--resume', nargs='?', type=str, const='auto', default=None,
                        help='resume from a checkpoint, or from the latest in the work dir '
                             'when no path is given')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--no-validate', action='store_true', help='skip validation')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument('--deterministic', action='store_true')
    _common_args(parser)
    args = _parse(parser, argv)

    cfg = _prepare_cfg(Config.fromfile(args.config), args)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if cfg.get('randomness', None) is None or args.seed is not None:
        cfg.randomness = dict(seed=args.seed, deterministic=args.deterministic)
    build_runner(cfg).train()
    _shutdown_distributed()  # on success only: after an error a barrier could wait forever


def test_main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """``tools/test.py``: evaluate a checkpoint; prints and writes the metrics.

    Returns:
        dict: metric name -> value, as the config's evaluators report them.
    """
    from mmengine.config import Config
    from mmengine.dist import is_main_process

    import mmaction_plugins  # noqa: F401
    from mmaction_plugins.utils.atomic_io import atomic_write_json

    parser = argparse.ArgumentParser(description='Test a spatio-temporal action detector')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (path or URL)')
    parser.add_argument('--out-json', default=None,
                        help='where to write the metrics (default <work_dir>/test_metrics.json)')
    parser.add_argument('--tta', action='store_true',
                        help="test-time augmentation: wrap the model in the config's tta_model "
                             "(default: STADTTAModel, the test input and its flip)")
    _common_args(parser)
    args = _parse(parser, argv)

    cfg = _prepare_cfg(Config.fromfile(args.config), args)
    cfg.load_from = args.checkpoint
    if args.tta:
        _wrap_tta(cfg)
    metrics = build_runner(cfg).test()
    metrics = {k: float(v) for k, v in (metrics or {}).items()}
    if is_main_process():
        out = args.out_json or osp.join(cfg.work_dir, 'test_metrics.json')
        atomic_write_json(out, metrics)
        print('METRICS ' + json.dumps(metrics, sort_keys=True))
    _shutdown_distributed()  # on success only: after an error a barrier could wait forever
    return metrics
