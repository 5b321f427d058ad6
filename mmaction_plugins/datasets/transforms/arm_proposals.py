"""``ArmProposals``: the arm box of every person proposal, in the pixels of the packed clip.

The arm branch of seed report ``003`` pools RoI features at an enlarged arm box instead of the
body box (geometry: :mod:`mmaction_plugins.datasets.arm_boxes`). This transform makes those boxes
inside an mmaction2 AVA pipeline, from the per-proposal keypoints that
:class:`~mmaction_plugins.datasets.keypoint_stad_dataset.KeypointSTADDataset` attaches
(``proposal_keypoints``: ``(N, K, 3)`` ``x, y, score`` *relative to the original frame*).

Place it after every geometric transform (resize, crop, flip), before ``PackActionInputs``::

    proposal_keypoints (relative, original frame) --qualifying_arms--> which arms qualify
              | to the clip's pixels: x = (x_rel - qx) / qw * W, y = (y_rel - qy) / qh * H
              | (crop_quadruple (qx, qy, qw, qh), [0, 0, 1, 1] without a crop), then
              | x -> W - x if the clip was flipped (mmaction2's Flip, placed after the crops)
              v
    arm_boxes(proposals, keypoints, ...) -> arm_bboxes (N, 4), arm_valid (N,)

This is the map mmaction2's transforms apply to ``proposals`` (relative -> pixels -> resize -> crop
-> flip), so an arm box moves exactly with its body box. Only whether an arm qualifies is judged
on the original frame (a crop does not hide an arm; the box is clipped to the crop).

Added keys: ``arm_bboxes`` ``(N, 4)`` float32 (the arm box, or the proposal itself when no arm
qualifies), ``arm_body_bboxes`` ``(N, 4)`` float32 (the proposals they were made for, so the head
can check that its RoIs are these boxes), ``arm_valid`` ``(N,)`` bool. Pack them into the metainfo:
``PackActionInputs(meta_keys=(..., 'arm_bboxes', 'arm_body_bboxes'))``
(:class:`~mmaction_plugins.models.roi_heads.arm_head.ArmRoIHead` reads them there).
"""

from __future__ import annotations

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from mmaction_plugins.datasets.arm_boxes import ARM_CHOICES, arm_boxes, qualifying_arms

__all__ = ['ArmProposals', 'keypoints_to_clip']


def keypoints_to_clip(keypoints_rel: np.ndarray, img_shape: tuple[int, int],
                      crop_quadruple: np.ndarray | None = None, flip: bool = False) -> np.ndarray:
    """Relative keypoints of the original frame -> pixels of the transformed clip.

    Args:
        keypoints_rel: ``(N, K, 3)`` ``x, y, score``, x and y relative to the original frame.
        img_shape: ``(H, W)`` of the clip after the transforms.
        crop_quadruple: ``(x, y, w, h)`` of the crop, relative to the original frame (what
            mmaction2's crops record); None: no crop.
        flip: The clip was flipped horizontally (after the crop).

    Returns:
        ``(N, K, 3)`` float64, x and y in the clip's pixels, scores unchanged.
    """
    out = np.array(keypoints_rel, dtype=np.float64, copy=True)
    h, w = (float(v) for v in img_shape[:2])
    qx, qy, qw, qh = (0.0, 0.0, 1.0, 1.0) if crop_quadruple is None else (
        float(v) for v in crop_quadruple)
    if qw <= 0 or qh <= 0:
        raise ValueError(f'crop_quadruple {crop_quadruple} has no area')
    out[..., 0] = (out[..., 0] - qx) / qw * w
    out[..., 1] = (out[..., 1] - qy) / qh * h
    if flip:
        out[..., 0] = w - out[..., 0]
    return out


@TRANSFORMS.register_module()
class ArmProposals(BaseTransform):
    """Make the arm box of every proposal (see the module docstring for the data flow).

    Required keys: ``proposals`` ``(N, 4)`` pixels, ``proposal_keypoints`` ``(N, K, 3)``,
    ``img_shape``; optional ``crop_quadruple``, ``flip``. Added keys: ``arm_bboxes``,
    ``arm_body_bboxes``, ``arm_valid``.

    Args:
        arms: ``'union'`` (every qualifying arm in one box), ``'left'`` or ``'right'``.
            Defaults to ``'union'``.
        include_shoulder: The box spans the shoulder too (whole arm). Defaults to True.
        scale: Enlargement of the box about its centre ("moderately enlarged"). Defaults to 1.5.
        min_size: Smallest side, as a fraction of the body box height. Defaults to 0.2.
        score_thr: Smallest keypoint score that counts. Defaults to 0.3.
        margin: Elbow and wrist must lie strictly inside ``(margin, 1 - margin)`` of the original
            frame (relative). Defaults to 0.0.
    """

    def __init__(self, arms: str = 'union', include_shoulder: bool = True, scale: float = 1.5,
                 min_size: float = 0.2, score_thr: float = 0.3, margin: float = 0.0) -> None:
        if arms not in ARM_CHOICES:
            raise ValueError(f'arms must be one of {ARM_CHOICES}, got {arms!r}')
        if scale < 1.0 or min_size < 0 or not 0.0 <= margin < 0.5:
            raise ValueError(f'need scale >= 1, min_size >= 0, 0 <= margin < 0.5; got {scale}, '
                             f'{min_size}, {margin}')
        self.arms = arms
        self.include_shoulder = include_shoulder
        self.scale = scale
        self.min_size = min_size
        self.score_thr = score_thr
        self.margin = margin

    def transform(self, results: dict) -> dict:
        """Add ``arm_bboxes``, ``arm_body_bboxes`` and ``arm_valid``."""
        for key in ('proposals', 'proposal_keypoints', 'img_shape'):
            if results.get(key) is None:
                raise KeyError(f'ArmProposals needs results[{key!r}] (img_key '
                               f'{results.get("img_key")!r}); use KeypointSTADDataset with a '
                               'keypoint_file and keep the proposals')
        proposals = np.asarray(results['proposals'], dtype=np.float64)[:, :4]
        kpts = np.asarray(results['proposal_keypoints'], dtype=np.float64)
        if kpts.ndim != 3 or kpts.shape[0] != proposals.shape[0]:
            raise ValueError(f'img_key {results.get("img_key")!r}: {proposals.shape[0]} proposals '
                             f'but proposal_keypoints of shape {kpts.shape}')
        qualifies = qualifying_arms(kpts, self.score_thr, self.margin)
        kpts_px = keypoints_to_clip(kpts, results['img_shape'], results.get('crop_quadruple'),
                                    bool(results.get('flip', False)))
        boxes, valid = arm_boxes(proposals, kpts_px, qualifies, results['img_shape'],
                                 arms=self.arms, include_shoulder=self.include_shoulder,
                                 scale=self.scale, min_size=self.min_size,
                                 score_thr=self.score_thr)
        results['arm_bboxes'] = boxes
        results['arm_body_bboxes'] = proposals.astype(np.float32)
        results['arm_valid'] = valid
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(arms={self.arms!r}, include_shoulder='
                f'{self.include_shoulder}, scale={self.scale}, min_size={self.min_size}, '
                f'score_thr={self.score_thr}, margin={self.margin})')
