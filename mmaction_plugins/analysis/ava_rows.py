"""One row of an AVA-scored ablation: train a config on a synthetic benchmark, predict, score.

Shared by ``tools/analysis/multiscale_ablation.py`` and ``tools/analysis/self_attention_ablation
.py``: every row's model is trained with :func:`mmaction_plugins.engine.runs.train` (subprocess,
resumable, skipped when its last checkpoint exists), its validation predictions are kept next to
the checkpoint (recomputed only when older than it), and scores are per class, then per class
group, in percent.
"""

from __future__ import annotations

import os.path as osp
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ['cached_predictions', 'chance_grouped', 'grouped_ap', 'iter_seconds', 'score_checkpoint',
           'score_rows', 'train_row']

_ITER_TIME = re.compile(r'Epoch\(train\).*?\stime: ([0-9.]+)')


def iter_seconds(log_path: str) -> float | None:
    """Mean of mmengine's per-iteration ``time:`` over a training log (None if none logged)."""
    if not osp.isfile(log_path):
        return None
    with open(log_path, encoding='utf-8', errors='replace') as f:
        vals = [float(m.group(1)) for m in _ITER_TIME.finditer(f.read())]
    return round(sum(vals) / len(vals), 3) if vals else None


def cached_predictions(cfg_path: str | Any, ckpt: str, out_path: str, label: str) -> Any:
    """Predictions (:func:`~.ava_predictions.predict_ava`: the test dataloader of ``cfg_path``,
    a config path or ``Config``) of a trained model, read from ``out_path`` when that is newer
    than ``ckpt``, else computed and written there."""
    from mmaction_plugins.analysis.ava_predictions import (
        load_predictions,
        predict_ava,
        save_predictions,
    )
    from mmaction_plugins.engine.runs import Progress

    if osp.isfile(out_path) and osp.getmtime(out_path) > osp.getmtime(ckpt):
        return load_predictions(out_path)
    bar = Progress(f'{label}: test', 1)
    preds = predict_ava(cfg_path, ckpt, progress=lambda n: bar.update(step=n))
    bar.close()
    save_predictions(preds, out_path)
    return preds


def train_row(config: str, data: str, step_dir: str, label: str, seed: int, epochs: int,
              timings: dict[str, Any], edit: Callable[[Any], None] | None = None,
              cache_dir: str | None = None) -> Any:
    """Train ``config`` on the benchmark ``data`` in ``step_dir`` and predict its validation set.

    Args:
        config: Config path.
        data: Synthetic benchmark folder.
        step_dir: Work folder of the row (checkpoints, ``config.py``, ``train.log``,
            ``val_predictions.npz``).
        label: Progress label; also the key prefix in ``timings``.
        seed: Training seed.
        epochs: Epochs (no validation during training: the row is scored afterwards).
        timings: Gets ``train <label>`` (s), ``train <label> s/iter``, ``test <label>`` (s).
        edit: Called on the config after it is pointed at ``data`` (e.g. keypoint files).
        cache_dir: Training cache shared between ablations
            (:func:`mmaction_plugins.engine.runs.train`); None: none.

    Returns:
        :class:`~mmaction_plugins.analysis.ava_predictions.AVAPredictions` of the validation set.
    """
    from mmengine.config import Config

    from mmaction_plugins.engine.runs import (
        point_stad_config_at,
        set_epochs,
        skip_validation,
        train,
    )

    cfg = point_stad_config_at(Config.fromfile(config), data, step_dir)
    if edit is not None:
        edit(cfg)
    set_epochs(cfg, epochs)
    skip_validation(cfg)  # scored afterwards, box by box
    t = time.monotonic()
    ckpt = train(cfg, step_dir, label, seed, cache_dir)
    timings[f'train {label}'] = round(time.monotonic() - t, 1)
    timings[f'train {label} s/iter'] = iter_seconds(osp.join(step_dir, 'train.log'))
    t = time.monotonic()
    preds = cached_predictions(osp.join(step_dir, 'config.py'), ckpt,
                               osp.join(step_dir, 'val_predictions.npz'), label)
    timings[f'test {label}'] = round(time.monotonic() - t, 1)
    return preds


def score_checkpoint(step_dir: str, data: str, checkpoint: str, predictions: str, label: str,
                     split: str = 'val', ann_file: str | None = None) -> dict[str, Any]:
    """Grouped AP (:func:`grouped_ap`, %) of a checkpoint of a training folder on a split of
    the synthetic benchmark it was trained on, with its config's test pipeline.

    Args:
        step_dir: The training's folder (``config.py``, pointed at ``data``, and checkpoints).
        data: The synthetic benchmark folder.
        checkpoint: Checkpoint file name in ``step_dir``.
        predictions: File name in ``step_dir`` that keeps the predictions (recomputed only when
            older than the checkpoint, :func:`cached_predictions`).
        label: Progress label.
        split: ``'val'`` (the config's own test split) or ``'train'`` (the keyframes the model
            was fit on; ground-truth boxes as proposals, and that split's keypoint file for an
            arm model).
        ann_file: Score only the rows of this AVA CSV (a subset of the split, e.g. its first
            videos); default: the whole split.

    Raises:
        FileNotFoundError: no checkpoint or no ``manifest.json`` in ``data``.
    """
    import json

    from mmengine.config import Config

    from mmaction_plugins.analysis import class_groups
    from mmaction_plugins.analysis.ava_predictions import score_ava_predictions
    from mmaction_plugins.evaluation.label_map import read_label_map

    ckpt = osp.join(step_dir, checkpoint)
    manifest = osp.join(data, 'manifest.json')
    for path in (ckpt, manifest):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: no such file')
    cfg = Config.fromfile(osp.join(step_dir, 'config.py'))
    anno = osp.join(data, 'ava', 'annotations')
    ds = cfg.test_dataloader.dataset
    if split != 'val':
        ds.ann_file = osp.join(anno, f'ava_{split}.csv')
        ds.exclude_file = osp.join(anno, f'ava_{split}_excluded_timestamps.csv')
        ds.proposal_file = osp.join(anno, f'ava_dense_proposals_{split}.json')
        if 'keypoint_file' in ds:
            ds.keypoint_file = cfg[f'{split}_dataloader'].dataset.keypoint_file
    if ann_file is not None:
        ds.ann_file = ann_file
    preds = cached_predictions(cfg, ckpt, osp.join(step_dir, predictions), label)
    label_map = read_label_map(osp.join(anno, 'ava_action_list.pbtxt'))
    with open(manifest, encoding='utf-8') as f:
        groups = class_groups(json.load(f))
    return grouped_ap(score_ava_predictions(preds, ds.ann_file, label_map, ds.exclude_file),
                      label_map, groups)


def grouped_ap(per_class: Mapping[int, float], label_map: Mapping[int, str],
               groups: Mapping[str, str]) -> dict[str, Any]:
    """Class id -> AP (fraction) => ``{'overall': %, <group>: %, ..., 'per_class': {name: %}}``
    (NaN APs — no ground truth — left out of every mean)."""
    from mmaction_plugins.analysis import overall_and_group_means

    by_name = {label_map[c]: 100 * v for c, v in per_class.items() if c in label_map}
    return {**overall_and_group_means(by_name, groups), 'per_class': by_name}


def chance_grouped(anno_dir: str, label_map: Mapping[int, str], groups: Mapping[str, str]
                   ) -> dict[str, Any]:
    """The chance row in :func:`grouped_ap`'s form: each class's validation prevalence
    (``<anno_dir>/ava_val.csv``), the expected AP of a random ranking of the persons."""
    from mmaction_plugins.analysis import class_prevalence

    prevalence = class_prevalence(osp.join(anno_dir, 'ava_val.csv'), label_map)
    return grouped_ap({c: prevalence[n] for c, n in label_map.items()}, label_map, groups)


#: ``(row name, config path, config edit or None)``
RowSpec = tuple[str, str, Callable[[Any], None] | None]


def score_rows(args: Any, seed: int, log: dict[str, Any], rows: Sequence[RowSpec],
               claims: Sequence[tuple[str, str, str, str]] = ()) -> dict[str, Any]:
    """The ``run_seed`` of an ablation whose rows are independent AVA-scored trainings: each
    row trained (:func:`train_row`, in ``<work-dir>/seed<seed>/<name>``), scored per class with
    the official-semantics AVA frame-mAP@0.5 on the validation split and grouped.

    Args:
        args: The script's arguments (``preset``, ``data_root``, ``work_dir``, ``epochs``,
            ``train_cache``; ``n_boot`` with ``claims``).
        seed: Data and training seed.
        log: The run's timings (gets ``seed<seed>``).
        rows: The rows in order.
        claims: ``(row, baseline, group, text)`` whose evaluation noise goes to ``'_noise'``
            (:func:`~mmaction_plugins.analysis.claim_noise.claim_noise`); none by default.

    Returns:
        ``{name: grouped AP, '_chance': grouped chance row, '_groups': class -> group}`` and,
        with ``claims``, ``'_noise'``.
    """
    from mmaction_plugins.analysis import class_groups
    from mmaction_plugins.analysis.ablation_cli import prepare_seed
    from mmaction_plugins.analysis.ava_predictions import score_ava_predictions
    from mmaction_plugins.evaluation.label_map import read_label_map

    data, seed_dir, timings, manifest = prepare_seed(args, seed, log)
    anno = osp.join(data, 'ava', 'annotations')
    label_map = read_label_map(osp.join(anno, 'ava_action_list.pbtxt'))
    groups = class_groups(manifest)
    results: dict[str, Any] = {}
    preds_of: dict[str, Any] = {}
    for name, config, edit in rows:
        preds = preds_of[name] = train_row(
            config, data, osp.join(seed_dir, name), f'seed {seed} {name}', seed, args.epochs,
            timings, edit=edit, cache_dir=args.train_cache or None)
        per_class = score_ava_predictions(preds, osp.join(anno, 'ava_val.csv'), label_map,
                                          osp.join(anno, 'ava_val_excluded_timestamps.csv'))
        results[name] = grouped_ap(per_class, label_map, groups)
    results['_chance'] = chance_grouped(anno, label_map, groups)
    results['_groups'] = groups
    if claims:
        from mmaction_plugins.analysis.claim_noise import claim_noise

        results['_noise'] = claim_noise(preds_of, anno, groups, claims, n_boot=args.n_boot)
    return results
