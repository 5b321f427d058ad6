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
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ['cached_predictions', 'grouped_ap', 'iter_seconds', 'train_row']

_ITER_TIME = re.compile(r'Epoch\(train\).*?\stime: ([0-9.]+)')


def iter_seconds(log_path: str) -> float | None:
    """Mean of mmengine's per-iteration ``time:`` over a training log (None if none logged)."""
    if not osp.isfile(log_path):
        return None
    with open(log_path, encoding='utf-8', errors='replace') as f:
        vals = [float(m.group(1)) for m in _ITER_TIME.finditer(f.read())]
    return round(sum(vals) / len(vals), 3) if vals else None


def cached_predictions(cfg_path: str, ckpt: str, out_path: str, label: str) -> Any:
    """Validation predictions (:func:`~.ava_predictions.predict_ava`) of a trained model, read
    from ``out_path`` when that is newer than ``ckpt``, else computed and written there."""
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

    from mmaction_plugins.engine.runs import point_stad_config_at, set_epochs, train

    cfg = point_stad_config_at(Config.fromfile(config), data, step_dir)
    if edit is not None:
        edit(cfg)
    set_epochs(cfg, epochs)
    cfg.train_cfg.val_interval = epochs + 1  # scored afterwards, box by box
    t = time.monotonic()
    ckpt = train(cfg, step_dir, label, seed, cache_dir)
    timings[f'train {label}'] = round(time.monotonic() - t, 1)
    timings[f'train {label} s/iter'] = iter_seconds(osp.join(step_dir, 'train.log'))
    t = time.monotonic()
    preds = cached_predictions(osp.join(step_dir, 'config.py'), ckpt,
                               osp.join(step_dir, 'val_predictions.npz'), label)
    timings[f'test {label}'] = round(time.monotonic() - t, 1)
    return preds


def grouped_ap(per_class: Mapping[int, float], label_map: Mapping[int, str],
               groups: Mapping[str, str]) -> dict[str, Any]:
    """Class id -> AP (fraction) => ``{'overall': %, <group>: %, ..., 'per_class': {name: %}}``
    (NaN APs — no ground truth — left out of every mean)."""
    from mmaction_plugins.analysis import group_means

    by_name = {label_map[c]: 100 * v for c, v in per_class.items() if c in label_map}
    vals = [v for v in by_name.values() if v == v]
    return {'overall': sum(vals) / len(vals) if vals else float('nan'),
            **group_means(by_name, groups), 'per_class': by_name}
