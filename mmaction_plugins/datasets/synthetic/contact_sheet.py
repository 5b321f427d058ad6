"""A contact sheet: a few frames of one video with boxes, keypoints and labels drawn, for people."""

from __future__ import annotations

import cv2
import numpy as np

from mmaction_plugins.datasets.synthetic.actors import SKELETON_EDGES
from mmaction_plugins.datasets.synthetic.classes import CLASSES
from mmaction_plugins.datasets.synthetic.labels import Annotations, keypoint_visibility
from mmaction_plugins.datasets.synthetic.scene import Scene

__all__ = ['sheet_frames', 'contact_sheet']

_SCALE = 3
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def sheet_frames(scene: Scene, count: int = 6) -> list[int]:
    """0-based frames shown on the sheet: ``count`` keyframes spread over the video."""
    seconds = scene.num_frames // scene.fps
    picks = np.linspace(2, seconds - 2, count).round().astype(int)
    return [int(s) * scene.fps for s in picks]


def _panel(scene: Scene, ann: Annotations, frame: np.ndarray, t: int) -> np.ndarray:
    img = cv2.resize(frame, None, fx=_SCALE, fy=_SCALE, interpolation=cv2.INTER_NEAREST)
    vis = keypoint_visibility(scene, ann, t)
    for a in range(len(scene.actors)):
        if not ann.visible[a, t]:
            continue
        x1, y1, x2, y2 = (int(round(v * _SCALE)) for v in ann.boxes[a, t])
        cv2.rectangle(img, (x1, y1), (x2, y2), (0, 255, 0), 1)
        kp = ann.joints[a, t, :17, :2] * _SCALE
        for i, j in SKELETON_EDGES:
            if vis[a, i - 1] and vis[a, j - 1]:
                cv2.line(img, tuple(int(v) for v in kp[i - 1]), tuple(int(v) for v in kp[j - 1]),
                         (255, 255, 0), 1, cv2.LINE_AA)
        for k in range(17):
            if vis[a, k]:
                cv2.circle(img, tuple(int(v) for v in kp[k]), 2, (0, 0, 255),
                           -1 if vis[a, k] == 2 else 1)
        names = [CLASSES[c].name for c in np.nonzero(ann.labels[a, t])[0]]
        for line, text in enumerate([f'#{a}'] + names):
            org = (x1 + 1, max(10, y1 - 3 - 10 * (len(names) - line)))
            cv2.putText(img, text, org, _FONT, 0.33, (0, 0, 0), 2, cv2.LINE_AA)
            cv2.putText(img, text, org, _FONT, 0.33, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.putText(img, f'{scene.video_id} frame {t + 1}', (4, img.shape[0] - 6), _FONT, 0.4,
                (255, 255, 255), 1, cv2.LINE_AA)
    return img


def contact_sheet(scene: Scene, ann: Annotations, frames: dict[int, np.ndarray],
                  columns: int = 3) -> bytes:
    """PNG bytes of the frames (``{t: BGR frame}``) tiled ``columns`` wide, annotations drawn."""
    panels = [_panel(scene, ann, frames[t], t) for t in sorted(frames)]
    while len(panels) % columns:
        panels.append(np.zeros_like(panels[0]))
    rows = [np.concatenate(panels[i:i + columns], axis=1) for i in range(0, len(panels), columns)]
    ok, buf = cv2.imencode('.png', np.concatenate(rows, axis=0))
    if not ok:
        raise OSError('PNG encoding failed')
    return buf.tobytes()
