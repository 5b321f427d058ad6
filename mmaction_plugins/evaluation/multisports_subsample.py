"""MultiSports ground truth at a lower frame rate: every ``stride``-th frame, renumbered.

Scoring every frame of a long validation set costs one clip per frame. At ``stride`` s the
videos are seen at ``fps / s``: frame ``f`` (1-based) is kept when ``(f - 1) % s == 0`` and becomes
frame ``(f - 1) // s + 1``. The returned ground truth is an ordinary MultiSports annotation dict
(``labels``, ``gttubes``, ``nframes``, ``test_videos``, ``train_videos``, ``resolution``), so the
official-semantics scorers (:mod:`.multisports`) and the tube linker (:mod:`.tube_linking`) run on
it unchanged: frame-mAP is the official frame-mAP restricted to the kept frames (an unbiased
sample of the full-rate number), video-mAP is the official video-mAP of the same videos played at
``fps / s`` (tubes and linking see ``s`` times fewer frames; the linker's ``min_len`` should be
divided by ``s`` to keep its meaning in seconds). ``stride=1`` returns an equal copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mmaction_plugins.evaluation.multisports_gt import check_multisports_gt

__all__ = ['kept_frames', 'subsample_multisports_gt']


def kept_frames(nframes: int, stride: int) -> np.ndarray:
    """The 1-based original frames kept at ``stride``: ``1, 1 + s, 1 + 2 s, ... <= nframes``."""
    if stride < 1:
        raise ValueError(f'stride must be >= 1, got {stride}')
    return np.arange(1, int(nframes) + 1, stride, dtype=np.int64)


def subsample_multisports_gt(gt: dict[str, Any], stride: int,
                             videos: Sequence[str] | None = None) -> dict[str, Any]:
    """Keep every ``stride``-th frame of the test videos and renumber them.

    Args:
        gt: MultiSports ground truth (checked with
            :func:`~.multisports_gt.check_multisports_gt`).
        stride: Keep frames ``1, 1 + stride, ...``.
        videos: Test videos to keep (default: all of ``test_videos[0]``), in this order.

    Returns:
        dict: A new annotation dict: ``test_videos = [videos]``, ``nframes`` =
        ``ceil(nframes / stride)``, every tube reduced to its kept frames (frame column
        renumbered; tubes with no kept frame dropped); ``labels`` and ``resolution`` as given.

    Raises:
        ValueError: bad stride, or a requested video that is not a test video.
    """
    check_multisports_gt(gt)
    if stride < 1:
        raise ValueError(f'stride must be >= 1, got {stride}')
    tests = list(gt['test_videos'][0])
    keep = tests if videos is None else list(videos)
    missing = [v for v in keep if v not in set(tests)]
    if missing:
        raise ValueError(f'{len(missing)} requested videos are not test videos, e.g. '
                         f'{missing[0]!r}')
    tubes: dict[str, dict[int, list[np.ndarray]]] = {}
    for v in keep:
        per_label: dict[int, list[np.ndarray]] = {}
        for label, tube_list in gt['gttubes'].get(v, {}).items():
            out = []
            for tube in tube_list:
                t = np.asarray(tube)
                frames = t[:, 0].astype(np.int64)
                sel = (frames - 1) % stride == 0
                if not sel.any():
                    continue
                new = t[sel].copy()
                new[:, 0] = (frames[sel] - 1) // stride + 1
                out.append(new.astype(t.dtype, copy=False))
            if out:
                per_label[label] = out
        tubes[v] = per_label
    result = dict(gt)
    result['test_videos'] = [keep]
    result['gttubes'] = tubes
    result['nframes'] = {v: -(-int(gt['nframes'][v]) // stride) for v in keep}
    result['resolution'] = {v: gt['resolution'][v] for v in keep}
    return result
