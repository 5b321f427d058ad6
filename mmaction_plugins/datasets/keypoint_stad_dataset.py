"""``KeypointSTADDataset``: :class:`~mmaction_plugins.datasets.stad_dataset.STADDataset` whose
samples also carry the keypoints of every person proposal.

The keypoints come from a per-person keypoint file
(:mod:`mmaction_plugins.datasets.person_parts_file` layout, ``.npz`` / ``.json``): the stage-one
pose model's (``tools/person_parts.py``) or, on the synthetic benchmark, the exact ground-truth
keypoints of its COCO export
(:mod:`mmaction_plugins.datasets.coco_person_keypoints`). They feed the arm boxes of seed report
``003`` (:class:`~mmaction_plugins.datasets.transforms.ArmProposals`).

Matching: a keyframe's proposals (after the dataset's score threshold and ``num_max_proposals``)
are matched to the file's person boxes of the same key by IoU; a proposal gets the keypoints of
its best match when that IoU is at least ``keypoint_match_iou``, else all-zero keypoints (score 0:
no arm qualifies, the arm branch keeps the body box). A key absent from the file gives zeros for
every proposal. The file must cover some of the dataset's proposal keys (else it is the wrong
file: error naming it), and its keypoints must be COCO-ordered (names checked when the file has
them).
"""

from __future__ import annotations

import numpy as np
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from mmaction_plugins.datasets.person_parts_file import load_person_parts
from mmaction_plugins.datasets.stad_dataset import STADDataset

__all__ = ['COCO_KEYPOINT_NAMES', 'KeypointSTADDataset', 'match_boxes']

#: The 17 COCO keypoints, in order.
COCO_KEYPOINT_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
                       'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
                       'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                       'right_ankle')


def match_boxes(boxes: np.ndarray, candidates: np.ndarray, min_iou: float) -> np.ndarray:
    """Index of the best-IoU candidate of every box, -1 below ``min_iou``.

    Args:
        boxes: ``(N, 4)`` ``x1, y1, x2, y2``.
        candidates: ``(M, 4)`` in the same coordinates.
        min_iou: Smallest IoU of a match.

    Returns:
        ``(N,)`` int64 indices into ``candidates`` (the first on ties), or -1.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    candidates = np.asarray(candidates, dtype=np.float64).reshape(-1, 4)
    if len(boxes) == 0 or len(candidates) == 0:
        return np.full(len(boxes), -1, dtype=np.int64)
    lt = np.maximum(boxes[:, None, :2], candidates[None, :, :2])
    rb = np.minimum(boxes[:, None, 2:], candidates[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=-1)
    area_a = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    area_b = np.prod(candidates[:, 2:] - candidates[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    best = iou.argmax(axis=1)
    return np.where(iou[np.arange(len(boxes)), best] >= min_iou, best, -1).astype(np.int64)


@DATASETS.register_module()
class KeypointSTADDataset(STADDataset):
    """``STADDataset`` + ``proposal_keypoints`` ``(N, 17, 3)`` per sample (relative to the frame).

    Args:
        keypoint_file: Per-person keypoint file (``.npz`` / ``.json``, see
            :mod:`~mmaction_plugins.datasets.person_parts_file`), keyed like the proposals.
        keypoint_match_iou: Smallest IoU between a proposal and a keypoint file box to take
            its keypoints. Defaults to 0.9 (the file's boxes are normally the proposals
            themselves, or the same ground-truth boxes at other precision).
        **kwargs: Everything :class:`STADDataset` takes.
    """

    def __init__(self, *args, keypoint_file: str, keypoint_match_iou: float = 0.9,
                 **kwargs) -> None:
        if not 0.0 < keypoint_match_iou <= 1.0:
            raise ValueError(f'keypoint_match_iou must be in (0, 1], got {keypoint_match_iou}')
        parts = load_person_parts(keypoint_file)
        if parts.keypoints is None:
            raise ValueError(f'{keypoint_file}: holds no keypoints (part boxes only)')
        names = parts.keypoint_names
        if names and tuple(names[:len(COCO_KEYPOINT_NAMES)]) != COCO_KEYPOINT_NAMES:
            raise ValueError(f'{keypoint_file}: keypoints must be the 17 COCO keypoints in COCO '
                             f'order, got {list(names)}')
        self.keypoint_file = keypoint_file
        self.keypoint_match_iou = keypoint_match_iou
        self._kpt_boxes = {k: v[:, :4] for k, v in parts.boxes.items()}
        self._kpts = parts.keypoints
        self._num_kpts = len(names) if names else len(COCO_KEYPOINT_NAMES)
        super().__init__(*args, **kwargs)
        # the raw records (mmengine serialises data_list away after loading)
        keys = {BaseDataset.get_data_info(self, i)['img_key'] for i in range(len(self))}
        covered = len(keys & set(self._kpts))
        if keys and covered == 0:
            raise ValueError(f'{keypoint_file}: none of the dataset\'s {len(keys)} keyframes '
                             f'(e.g. {sorted(keys)[0]!r}) has keypoints: wrong keypoint file?')
        MMLogger.get_current_instance().info(
            f'{keypoint_file}: keypoints for {covered} of {len(keys)} keyframes')

    def get_data_info(self, idx: int) -> dict:
        """The parent's sample + ``proposal_keypoints`` ``(N, K, 3)`` float32 (relative)."""
        info = super().get_data_info(idx)
        proposals = info.get('proposals')
        if proposals is None:
            raise ValueError(f'KeypointSTADDataset needs a proposal_file (img_key '
                             f'{info["img_key"]!r} has no proposals)')
        n = len(proposals)
        out = np.zeros((n, self._num_kpts, 3), dtype=np.float32)
        key = info['img_key']
        if key in self._kpts and n:
            match = match_boxes(proposals[:, :4], self._kpt_boxes[key], self.keypoint_match_iou)
            ok = match >= 0
            out[ok] = self._kpts[key][match[ok]]
        info['proposal_keypoints'] = out
        return info
