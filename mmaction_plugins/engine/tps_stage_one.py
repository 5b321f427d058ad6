"""Stage one of the Kinetics-TPS chain: humans, then their parts top-down, on every TPS frame.

Seed 002: "a human detector is firstly performed on every frame, and then human instances in the
frame will be fed to the part detection module". For the annotated frames of a TPS split:

1. humans: the Cascade R-CNN human detector (:func:`~.detect_proposals.detect_proposals`, boxes
   with score >= ``score_thr``), or the ground-truth person boxes (``gt_humans``: isolates the
   part detector's errors);
2. parts, top-down: each human is cropped like the part detector's training crops (its config's
   ``person_crop_scale``), the TPS part detector runs on the crop, and the best box of every part
   is mapped back to the frame (:func:`~.person_parts.run_person_parts`); an undetected part is
   the row ``0, 0, 0, 0, 0``.

The result is a person-parts file (``.npz`` / ``.json``,
:mod:`mmaction_plugins.datasets.person_parts_file`) keyed ``"<video_id>,<frame:04d>"``, which the
part-state test config reads as ``person_parts_file``. Command line::

    python tools/tps_stage_one.py --root DATA --split val --out PARTS.npz \\
        --part-config C --part-checkpoint K \\
        (--human-config C --human-checkpoint K [--score-thr 0.3] | --gt-humans) \\
        [--part-score-thr 0.0] [--device cpu]
"""

from __future__ import annotations

import argparse
import os.path as osp
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mmaction_plugins.datasets.person_parts_file import PersonParts
from mmaction_plugins.datasets.tps.annotations import (
    TPSVideo,
    load_tps_split,
    load_tps_vocabulary,
    tps_frame_key,
    tps_frames,
)
from mmaction_plugins.evaluation.kinetics_tps import MAX_HUMANS

__all__ = ['gt_human_proposals', 'tps_stage_one', 'main']


def gt_human_proposals(videos: Sequence[TPSVideo]) -> dict[str, np.ndarray]:
    """Ground-truth person boxes of every annotated frame as proposals (relative, score 1)."""
    out = {}
    for v in videos:
        scale = np.array([v.width, v.height] * 2, dtype=np.float64)
        for fr in v.frames:
            boxes = np.array([np.clip(p.box / scale, 0.0, 1.0) for p in fr.persons]
                             ).reshape(-1, 4)
            out[tps_frame_key(v.video_id, fr.frame)] = np.concatenate(
                [boxes, np.ones((len(boxes), 1))], axis=1)
    return out


def tps_stage_one(videos: Sequence[TPSVideo], data_root: str, part_model: Any,
                  human_model: Any = None, score_thr: float = 0.3, part_score_thr: float = 0.0,
                  max_humans: int = MAX_HUMANS, progress: bool | Callable[[int], None] = True
                  ) -> PersonParts:
    """Humans (detected, or ground truth when ``human_model`` is None) and their parts.

    Args:
        videos: The split's videos (:func:`~mmaction_plugins.datasets.tps.load_tps_split`).
        data_root: Root of the videos' ``frames_dir``.
        part_model: The TPS part detector (``mmdet.apis.init_detector``), trained on crops.
        human_model: The human detector, or None for the ground-truth boxes.
        score_thr: Keep detected humans with at least this score.
        part_score_thr: A part needs a score above this to count as detected.
        max_humans: Keep at most this many detected humans per frame, best first (the
            challenge scores at most 10; parts are detected for these only).
        progress: A progress bar (True), nothing (False), or a callable given the frames done.

    Returns:
        :class:`PersonParts` over every annotated frame (frames without humans included).
    """
    from mmengine.utils import ProgressBar

    from mmaction_plugins.engine.detect_proposals import detect_proposals
    from mmaction_plugins.engine.person_parts import run_person_parts

    n_frames = sum(len(v.frames) for v in videos)
    bar = ProgressBar(n_frames) if progress is True and n_frames else None
    result = PersonParts(boxes={}, parts={})
    for video in videos:  # one video at a time, for the progress report
        frames = list(tps_frames([video], data_root))
        if human_model is None:
            proposals = gt_human_proposals([video])
        else:
            proposals = detect_proposals(human_model, frames, score_thr, label=0,
                                         progress=False)
            proposals = {k: v[:max_humans] for k, v in proposals.items()}  # score-sorted
        one = run_person_parts(frames, proposals, part_model=part_model,
                               part_score_thr=part_score_thr, progress=False)
        result.boxes.update(one.boxes)
        assert result.parts is not None and one.parts is not None
        result.parts.update(one.parts)
        result.part_names = one.part_names
        if bar is not None:
            for _ in frames:
                bar.update()
        elif callable(progress):
            progress(len(frames))
    return result


def main(argv: list[str] | None = None) -> PersonParts:
    """Command line: see the module docstring."""
    import mmaction_plugins  # noqa: F401  (compat + registrations)
    from mmaction_plugins.datasets.person_parts_file import save_person_parts

    parser = argparse.ArgumentParser(description='Kinetics-TPS stage one: humans and their parts')
    parser.add_argument('--root', required=True, help='data root holding tps/ and the frames')
    parser.add_argument('--split', default='val')
    parser.add_argument('--out', required=True, help='.npz or .json person-parts file')
    parser.add_argument('--part-config', required=True)
    parser.add_argument('--part-checkpoint', required=True)
    humans = parser.add_mutually_exclusive_group(required=True)
    humans.add_argument('--human-config')
    humans.add_argument('--gt-humans', action='store_true',
                        help='ground-truth person boxes instead of the human detector')
    parser.add_argument('--human-checkpoint')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--part-score-thr', type=float, default=0.0)
    parser.add_argument('--max-humans', type=int, default=MAX_HUMANS)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.human_config and not args.human_checkpoint:
        parser.error('--human-config needs --human-checkpoint')
    from mmdet.apis import init_detector

    tps = osp.join(args.root, 'tps')
    vocab = load_tps_vocabulary(osp.join(tps, 'part_states.json'),
                                osp.join(tps, 'categories.txt'))
    videos = load_tps_split(osp.join(tps, f'{args.split}_list.txt'),
                            osp.join(tps, 'annotations', args.split), vocab)
    part_model = init_detector(args.part_config, args.part_checkpoint, device=args.device)
    human_model = (init_detector(args.human_config, args.human_checkpoint, device=args.device)
                   if args.human_config else None)
    result = tps_stage_one(videos, args.root, part_model, human_model, args.score_thr,
                           args.part_score_thr, args.max_humans)
    save_person_parts(result, args.out)
    n = sum(len(b) for b in result.boxes.values())
    print(f'{args.out}: {n} humans with {len(result.part_names)} parts over '
          f'{len(result.boxes)} frames')
    return result


if __name__ == '__main__':
    main()
