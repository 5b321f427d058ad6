"""How much better a trained AVA row scores on the keyframes it was trained on than on
validation: AVA frame-mAP@0.5 (official semantics, ground-truth person boxes) of one step folder
of an ablation on both splits of its synthetic benchmark, overall and per class group.

A model whose features feed a feature bank (the ``+lfb`` row's bank is the short-term model's
RoI features, dumped on both splits) hands a bank reader features that fit their labels as well
as the model fits its *training* split; the gap says how much more that is than at test time.

    python tools/analysis/split_gap.py work_dirs/multiscale_ablation_s8_e12/seed0/short-term \\
        --data data/synthetic/full-s0

Predictions are kept next to the checkpoint (``<split>_predictions.npz``, recomputed only when
older than it). ``--json`` writes the numbers too.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def split_gap(step_dir: str, data: str, checkpoint: str | None = None) -> dict[str, dict]:
    """``{'train': grouped AP, 'val': grouped AP}`` (:func:`~mmaction_plugins.analysis.ava_rows.
    grouped_ap`, in %) of the model trained in ``step_dir`` on the benchmark ``data``.

    Args:
        step_dir: A training's folder (``config.py`` and the checkpoint).
        data: The synthetic benchmark folder it was trained on.
        checkpoint: Checkpoint file name in ``step_dir``; default: ``epoch_<max_epochs>.pth``
            (what the ablations' trainings leave).

    Raises:
        FileNotFoundError: no ``config.py``, checkpoint or manifest.
    """
    from mmengine.config import Config

    from mmaction_plugins.analysis import class_groups
    from mmaction_plugins.analysis.ava_predictions import score_ava_predictions
    from mmaction_plugins.analysis.ava_rows import cached_predictions, grouped_ap
    from mmaction_plugins.engine.runs import point_stad_config_at
    from mmaction_plugins.evaluation.label_map import read_label_map

    cfg_path = osp.join(step_dir, 'config.py')
    if not osp.isfile(cfg_path):
        raise FileNotFoundError(f'{cfg_path}: no such file')
    if checkpoint is None:  # what mmaction_plugins.engine.runs.train leaves
        checkpoint = f'epoch_{Config.fromfile(cfg_path).train_cfg.max_epochs}.pth'
    ckpt = osp.join(step_dir, checkpoint)
    manifest_path = osp.join(data, 'manifest.json')
    for path in (ckpt, manifest_path):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: no such file')
    with open(manifest_path, encoding='utf-8') as f:
        groups = class_groups(json.load(f))
    anno = osp.join(data, 'ava', 'annotations')
    label_map = read_label_map(osp.join(anno, 'ava_action_list.pbtxt'))
    out = {}
    for split in ('train', 'val'):
        cfg = point_stad_config_at(Config.fromfile(cfg_path), data, step_dir, test_split=split)
        test_set = cfg.test_dataloader.dataset
        if 'keypoint_file' in test_set:  # the arm model: that split's keypoints
            test_set.keypoint_file = cfg[f'{split}_dataloader'].dataset.keypoint_file
        preds = cached_predictions(cfg, ckpt, osp.join(step_dir, f'{split}_predictions.npz'),
                                   f'{osp.basename(step_dir)} {split}')
        per_class = score_ava_predictions(
            preds, osp.join(anno, f'ava_{split}.csv'), label_map,
            osp.join(anno, f'ava_{split}_excluded_timestamps.csv'))
        out[split] = grouped_ap(per_class, label_map, groups)
    return out


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis import markdown_table
    from mmaction_plugins.utils.atomic_io import atomic_write_text

    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('step_dir', help='a training folder (config.py + checkpoint)')
    p.add_argument('--data', required=True, help='the synthetic benchmark folder it trained on')
    p.add_argument('--checkpoint', help='checkpoint file name (default: epoch_<max_epochs>.pth)')
    p.add_argument('--json', help='also write the numbers here')
    args = p.parse_args(argv)
    res = split_gap(args.step_dir, args.data, args.checkpoint)
    keys = [k for k in res['val'] if k != 'per_class']
    rows = [[k, f"{res['train'][k]:.2f}", f"{res['val'][k]:.2f}",
             f"{res['train'][k] - res['val'][k]:+.2f}"] for k in keys]
    print(markdown_table(['group', 'train split', 'val split', 'train − val'], rows))
    if args.json:
        atomic_write_text(args.json, json.dumps(res, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
