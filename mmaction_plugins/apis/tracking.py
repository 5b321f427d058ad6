"""Person track ids for per-frame boxes: greedy IoU association between consecutive frames.

Only for display (the annotated video's track ids); video-mAP uses the evaluation issue's tube
linker (:mod:`mmaction_plugins.evaluation.tube_linking`), which links per class.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ['assign_track_ids', 'box_iou']


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of ``(N, 4)`` and ``(M, 4)`` ``x1, y1, x2, y2`` boxes → ``(N, M)``."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(-1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def assign_track_ids(boxes_per_frame: Sequence[np.ndarray], iou_thr: float = 0.3,
                     max_gap: int = 5) -> list[np.ndarray]:
    """Give every box a track id, matching greedily by IoU to the tracks seen recently.

    Args:
        boxes_per_frame: per frame, ``(N_t, 4+)`` boxes (``x1, y1, x2, y2``, any scale; extra
            columns ignored).
        iou_thr: Smallest IoU with a track's last box to continue it.
        max_gap: A track not matched for more than this many frames ends.

    Returns:
        list: per frame, ``(N_t,)`` int64 ids (0, 1, 2, ... in order of first appearance); the
        highest-IoU pairs are matched first, each track and box at most once per frame.
    """
    next_id = 0
    last_box: dict[int, np.ndarray] = {}
    last_seen: dict[int, int] = {}
    out: list[np.ndarray] = []
    for t, boxes in enumerate(boxes_per_frame):
        boxes = np.asarray(boxes, dtype=np.float64)
        boxes = boxes.reshape(0, 4) if boxes.size == 0 else boxes[:, :4]
        live = [i for i in last_box if t - last_seen[i] <= max_gap]
        ids = np.full(len(boxes), -1, dtype=np.int64)
        if live and len(boxes):
            iou = box_iou(boxes, np.stack([last_box[i] for i in live]))
            for flat in np.argsort(-iou, axis=None, kind='stable'):
                r, c = divmod(int(flat), len(live))
                if iou[r, c] < iou_thr:
                    break
                if ids[r] >= 0 or live[c] in ids:
                    continue
                ids[r] = live[c]
        for r in range(len(boxes)):
            if ids[r] < 0:
                ids[r] = next_id
                next_id += 1
            last_box[int(ids[r])] = boxes[r]
            last_seen[int(ids[r])] = t
        out.append(ids)
    return out
