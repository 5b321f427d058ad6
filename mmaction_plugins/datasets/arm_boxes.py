"""Arm boxes from person keypoints: the RoIs of the arm branch of seed report ``003``.

From "Multi-scale Spatiotemporal Features for Action Localization" (Fujitsu, AVA 2020; seed
report ``003``): "the key points of the elbow and wrist are used to judge whether they are inside
the image. If one arm area meets the requirement, the body box will be replaced by the moderately
enlarged arm box." Made exact here:

* an arm (COCO keypoints: left shoulder / elbow / wrist 5 / 7 / 9, right 6 / 8 / 10) *qualifies*
  when its elbow and its wrist both have a score ``>= score_thr`` and lie strictly inside the
  frame, ``margin < x < 1 - margin`` and the same for ``y``, in coordinates relative to the
  *original* frame (so a keypoint that the pose stage clipped to the border, or the COCO "outside"
  keypoint ``0, 0, v=0``, does not qualify);
* the arm box spans the qualifying arms' elbow and wrist, and their shoulder when its score is
  ``>= score_thr`` (``include_shoulder``); ``arms='union'`` takes every qualifying arm in one box,
  ``'left'`` / ``'right'`` only that arm (the person's own side, as the pose model labels it);
* it is enlarged ``scale`` times (width and height) about its centre, widened to at least
  ``min_size`` times the body box height on each side, and clipped to the image;
* a person without a qualifying arm keeps its body box, unchanged (``valid`` False).

Boxes are ``x1, y1, x2, y2`` in continuous pixel coordinates (an ``H x W`` image is ``0, 0, W,
H``, mmdet's and mmaction2's convention).
"""

from __future__ import annotations

import numpy as np

__all__ = ['ARM_CHOICES', 'COCO_ARMS', 'arm_boxes', 'qualifying_arms']

#: COCO keypoint indices (shoulder, elbow, wrist) of each arm.
COCO_ARMS: dict[str, tuple[int, int, int]] = {'left': (5, 7, 9), 'right': (6, 8, 10)}
#: Which qualifying arms make the box.
ARM_CHOICES = ('union', 'left', 'right')


def _check_keypoints(keypoints: np.ndarray, n: int | None = None) -> np.ndarray:
    kpts = np.asarray(keypoints, dtype=np.float64)
    if kpts.ndim != 3 or kpts.shape[2] != 3 or kpts.shape[1] <= max(COCO_ARMS['right']):
        raise ValueError(f'keypoints must be (N, K >= 11, 3) x, y, score in COCO order, got '
                         f'{kpts.shape}')
    if n is not None and kpts.shape[0] != n:
        raise ValueError(f'{kpts.shape[0]} keypoint rows for {n} boxes')
    return kpts


def qualifying_arms(keypoints_rel: np.ndarray, score_thr: float = 0.3, margin: float = 0.0
                    ) -> np.ndarray:
    """Which arms of every person have their elbow and wrist inside the frame.

    Args:
        keypoints_rel: ``(N, K, 3)`` ``x, y, score`` relative to the original frame (0..1), COCO
            order (``K >= 11``).
        score_thr: Smallest keypoint score that counts as detected.
        margin: Keypoints must lie strictly inside ``(margin, 1 - margin)`` in x and y; in
            ``[0, 0.5)``.

    Returns:
        ``(N, 2)`` bool, columns ``left``, ``right``.
    """
    if not 0.0 <= margin < 0.5:
        raise ValueError(f'margin must be in [0, 0.5), got {margin}')
    kpts = _check_keypoints(keypoints_rel)
    x, y, s = kpts[..., 0], kpts[..., 1], kpts[..., 2]
    inside = ((s >= score_thr) & (x > margin) & (x < 1.0 - margin)
              & (y > margin) & (y < 1.0 - margin))  # (N, K)
    return np.stack([inside[:, COCO_ARMS[side][1]] & inside[:, COCO_ARMS[side][2]]
                     for side in ('left', 'right')], axis=1)


def arm_boxes(body_boxes: np.ndarray, keypoints_px: np.ndarray, qualifies: np.ndarray,
              img_shape: tuple[int, int], *, arms: str = 'union', include_shoulder: bool = True,
              scale: float = 1.5, min_size: float = 0.2, score_thr: float = 0.3
              ) -> tuple[np.ndarray, np.ndarray]:
    """The arm box of every person (its body box when no arm qualifies).

    Args:
        body_boxes: ``(N, 4)`` body boxes in the image's pixels.
        keypoints_px: ``(N, K, 3)`` keypoints ``x, y, score`` in the same pixels (after any resize,
            crop and flip of the image; COCO order).
        qualifies: ``(N, 2)`` bool from :func:`qualifying_arms` (left, right), judged on the
            original frame.
        img_shape: ``(H, W)`` of the image; boxes are clipped to ``[0, W] x [0, H]``.
        arms: One of :data:`ARM_CHOICES`.
        include_shoulder: Span the shoulder too (when its score is ``>= score_thr``): the whole
            arm, not only the forearm.
        scale: Enlargement of the width and of the height about the centre; ``>= 1``.
        min_size: Smallest width and height, as a fraction of the body box height; ``>= 0``.
        score_thr: Shoulder score threshold (the elbow / wrist test is ``qualifies``).

    Returns:
        ``(boxes (N, 4) float32, valid (N,) bool)``: ``valid`` marks the persons given an arm box.
    """
    if arms not in ARM_CHOICES:
        raise ValueError(f'arms must be one of {ARM_CHOICES}, got {arms!r}')
    if scale < 1.0:
        raise ValueError(f'scale must be >= 1 (an enlarged arm box), got {scale}')
    if min_size < 0:
        raise ValueError(f'min_size must be >= 0, got {min_size}')
    body = np.asarray(body_boxes, dtype=np.float64).reshape(-1, 4)
    n = body.shape[0]
    kpts = _check_keypoints(keypoints_px, n)
    qual = np.asarray(qualifies, dtype=bool).reshape(n, 2)
    h, w = (float(v) for v in img_shape[:2])
    use = qual.copy()
    if arms == 'left':
        use[:, 1] = False
    elif arms == 'right':
        use[:, 0] = False
    valid = use.any(axis=1)
    out = body.copy()
    for i in np.flatnonzero(valid):
        pts = []
        for col, side in enumerate(('left', 'right')):
            if not use[i, col]:
                continue
            shoulder, elbow, wrist = COCO_ARMS[side]
            pts += [kpts[i, elbow, :2], kpts[i, wrist, :2]]
            if include_shoulder and kpts[i, shoulder, 2] >= score_thr:
                pts.append(kpts[i, shoulder, :2])
        p = np.stack(pts)
        (x1, y1), (x2, y2) = p.min(axis=0), p.max(axis=0)
        cx, cy = (x1 + x2) * 0.5, (y1 + y2) * 0.5
        side_min = min_size * (body[i, 3] - body[i, 1])
        half_w = max((x2 - x1) * scale, side_min) * 0.5
        half_h = max((y2 - y1) * scale, side_min) * 0.5
        out[i] = [cx - half_w, cy - half_h, cx + half_w, cy + half_h]
    out[valid, 0::2] = np.clip(out[valid, 0::2], 0.0, w)  # body boxes are left as they are
    out[valid, 1::2] = np.clip(out[valid, 1::2], 0.0, h)
    return out.astype(np.float32), valid
