"""Rendering: one BGR frame of a :class:`~.scene.Scene` with OpenCV primitives.

Actors and objects are drawn back to front by ground line (nearer occludes farther); within an
actor the far-side limbs are drawn first. Coordinates keep 4 fractional bits (``shift=4``) and
lines are anti-aliased, so sub-pixel motion stays visible.
"""

from __future__ import annotations

import cv2
import numpy as np

from mmaction_plugins.datasets.synthetic.actors import HEAD_RADIUS, JOINT, limb_thickness
from mmaction_plugins.datasets.synthetic.scene import Scene, SceneObject

__all__ = ['render_frame', 'CUE_FRAMES']

CUE_FRAMES = 15  # the lamp stays lit for 0.5 s
_SHIFT = 4
_ONE = 1 << _SHIFT
_LAMP_OFF, _LAMP_ON = (90, 90, 90), (40, 230, 255)
_HAIR = (30, 35, 45)


def _p(xy: np.ndarray) -> tuple[int, int]:
    return int(round(float(xy[0]) * _ONE)), int(round(float(xy[1]) * _ONE))


def _shade(colour: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return int(colour[0] * k), int(colour[1] * k), int(colour[2] * k)


def _line(img: np.ndarray, a: np.ndarray, b: np.ndarray, colour: tuple[int, int, int],
          thickness: int) -> None:
    cv2.line(img, _p(a), _p(b), colour, thickness, cv2.LINE_AA, _SHIFT)


def _draw_object(img: np.ndarray, obj: SceneObject, cam: np.ndarray) -> None:
    box = obj.box() - np.array([cam[0], cam[1], cam[0], cam[1]])
    dark = _shade(obj.colour, 0.5)
    if obj.kind == 'ball':
        centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
        r = int(round((box[2] - box[0]) / 2 * _ONE))
        cv2.circle(img, _p(centre), r, obj.colour, -1, cv2.LINE_AA, _SHIFT)
        cv2.circle(img, _p(centre), r, dark, 1, cv2.LINE_AA, _SHIFT)
    else:
        cv2.rectangle(img, _p(box[:2]), _p(box[2:]), obj.colour, -1, cv2.LINE_AA, _SHIFT)
        cv2.rectangle(img, _p(box[:2]), _p(box[2:]), dark, 1, cv2.LINE_AA, _SHIFT)
        if obj.kind == 'crate':
            _line(img, box[:2], box[2:], dark, 1)
            _line(img, np.array([box[0], box[3]]), np.array([box[2], box[1]]), dark, 1)
        else:  # door: a knob
            knob = np.array([box[0] + 0.8 * (box[2] - box[0]), (box[1] + box[3]) / 2])
            cv2.circle(img, _p(knob), max(_ONE, int(0.12 * (box[2] - box[0]) * _ONE)), dark, -1,
                       cv2.LINE_AA, _SHIFT)


def _draw_actor(img: np.ndarray, j: np.ndarray, height: float, shirt: tuple[int, int, int],
                pants: tuple[int, int, int], skin: tuple[int, int, int]) -> None:
    th = limb_thickness(height)
    sides = ('left', 'right')
    near = 0 if j[JOINT['left_shoulder'], 2] >= j[JOINT['right_shoulder'], 2] else 1
    order = (1 - near, near)

    def arm(side: str, k: float) -> None:
        sh, el, wr = (j[JOINT[f'{side}_{p}'], :2] for p in ('shoulder', 'elbow', 'wrist'))
        _line(img, sh, el, _shade(shirt, k), th)
        _line(img, el, wr, _shade(skin, k), max(1, th - 1))

    def leg(side: str, k: float) -> None:
        hp, kn, an = (j[JOINT[f'{side}_{p}'], :2] for p in ('hip', 'knee', 'ankle'))
        _line(img, hp, kn, _shade(pants, k), th + 1)
        _line(img, kn, an, _shade(pants, k), th)

    arm(sides[order[0]], 0.7)
    leg(sides[order[0]], 0.7)
    quad = np.stack([j[JOINT['left_shoulder'], :2], j[JOINT['right_shoulder'], :2],
                     j[JOINT['right_hip'], :2], j[JOINT['left_hip'], :2]])
    cv2.fillConvexPoly(img, np.rint(quad * _ONE).astype(np.int32), shirt, cv2.LINE_AA, _SHIFT)
    hips = (j[JOINT['left_hip'], :2] + j[JOINT['right_hip'], :2]) / 2
    _line(img, j[JOINT['neck'], :2], hips, shirt, max(2, int(round(0.12 * height))))
    leg(sides[order[1]], 1.0)
    arm(sides[order[1]], 1.0)
    head = j[JOINT['head']]
    r = int(round(HEAD_RADIUS * height * _ONE))
    back = j[JOINT['nose'], 2] < head[2] - 0.02 * height
    cv2.circle(img, _p(head[:2]), r, _HAIR if back else skin, -1, cv2.LINE_AA, _SHIFT)
    if not back:
        cv2.circle(img, _p(j[JOINT['nose'], :2]), max(_ONE // 2, r // 4), _shade(skin, 0.55), -1,
                   cv2.LINE_AA, _SHIFT)


def render_frame(scene: Scene, joints: np.ndarray, boxes: np.ndarray, t: int) -> np.ndarray:
    """Render frame ``t`` (0-based).

    Args:
        scene: The scene.
        joints: (A, T, J, 3) joints in image coordinates (:attr:`.labels.Annotations.joints`).
        boxes: (A, T, 4) clipped person boxes (actors with an empty box are skipped).
        t: Frame index.

    Returns:
        ndarray (height, width, 3) uint8 BGR.
    """
    cx, cy = (int(v) for v in scene.camera[t])
    m = scene.margin
    img = scene.background[m + cy:m + cy + scene.height, m + cx:m + cx + scene.width].copy()
    lit = scene.cue_frame is not None and 0 <= t - scene.cue_frame < CUE_FRAMES
    lamp = np.array([scene.lamp.x - cx, scene.lamp.y - cy])
    cv2.circle(img, _p(lamp), int(scene.lamp.radius * _ONE), _LAMP_ON if lit else _LAMP_OFF, -1,
               cv2.LINE_AA, _SHIFT)
    cv2.circle(img, _p(lamp), int(scene.lamp.radius * _ONE), (40, 40, 40), 1, cv2.LINE_AA, _SHIFT)
    items: list[tuple[float, int, int]] = [(o.ground_y, 0, i) for i, o in enumerate(scene.objects)]
    items += [(a.ground_y, 1, i) for i, a in enumerate(scene.actors)
              if boxes[i, t, 2] > boxes[i, t, 0] and boxes[i, t, 3] > boxes[i, t, 1]]
    for _, kind, i in sorted(items):
        if kind == 0:
            _draw_object(img, scene.objects[i], scene.camera[t])
        else:
            a = scene.actors[i]
            _draw_actor(img, joints[i, t], a.height, a.appearance.shirt, a.appearance.pants,
                        a.appearance.skin)
    return img
