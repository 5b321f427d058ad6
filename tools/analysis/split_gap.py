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

    from mmaction_plugins.analysis.ava_rows import score_checkpoint

    if checkpoint is None:  # what mmaction_plugins.engine.runs.train leaves
        cfg = Config.fromfile(osp.join(step_dir, 'config.py'))
        checkpoint = f'epoch_{cfg.train_cfg.max_epochs}.pth'
    return {split: score_checkpoint(step_dir, data, checkpoint, f'{split}_predictions.npz',
                                    f'{osp.basename(step_dir)} {split}', split=split)
            for split in ('train', 'val')}


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
