"""Ground truth: per-frame boxes, keypoints, multi-label actions and part states of every actor.

Labels are computed *from the rendered world* by the rules listed in :mod:`.classes` (pose from
the posture; motion, relation, long-term from trajectories; context from object geometry), or,
for the classes defined by what an actor does (jump, spin, wave, point, raise arm, hand over),
from the scripted intents. Every rule uses a window of +-0.5 s around the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmaction_plugins.datasets.synthetic.actors import (
    COCO_KEYPOINTS,
    JOINT,
    leg_angles,
    limb_thickness,
    person_boxes,
    skeleton,
)
from mmaction_plugins.datasets.synthetic.classes import CLASSES, TPS_PARTS, class_index
from mmaction_plugins.datasets.synthetic.scene import CONTEXT_OBJECT, Scene

__all__ = ['Annotations', 'annotate', 'keypoint_visibility', 'part_boxes', 'true_runs',
           'context_margin', 'COCO_PARTS', 'TPS_PART_JOINTS', 'WALK_MIN', 'RUN_MIN',
           'CONTEXT_GAP']

WALK_MIN, RUN_MIN = 0.25, 0.9  # ground speed thresholds, heights per second
MIN_VISIBLE = 0.5  # fraction of the box inside the frame for an actor to be annotated
RETURN_GAP_S, RETURN_WINDOW_S, WAIT_WINDOW_S = 3.0, 4.0, 8.0
EXCLUDE_AROUND_CUE_S = (-1.1, 2.2)
# a context object must keep this many pixels from the box, so that no anti-aliased edge of it
# falls inside a (rounded) box crop
CONTEXT_GAP = 4.0

# COCO body-part categories: name -> joints whose box (plus limb thickness) is the part box
COCO_PARTS: dict[str, tuple[str, ...]] = {
    'head': ('head',), 'torso': ('left_shoulder', 'right_shoulder', 'left_hip', 'right_hip'),
    'left_upper_arm': ('left_shoulder', 'left_elbow'), 'left_forearm': ('left_elbow', 'left_wrist'),
    'right_upper_arm': ('right_shoulder', 'right_elbow'),
    'right_forearm': ('right_elbow', 'right_wrist'),
    'left_thigh': ('left_hip', 'left_knee'), 'left_shin': ('left_knee', 'left_ankle'),
    'right_thigh': ('right_hip', 'right_knee'), 'right_shin': ('right_knee', 'right_ankle'),
}
TPS_PART_JOINTS: dict[str, tuple[str, ...]] = {
    'head': ('head',), 'torso': COCO_PARTS['torso'],
    'left_arm': ('left_shoulder', 'left_elbow', 'left_wrist'),
    'right_arm': ('right_shoulder', 'right_elbow', 'right_wrist'),
    'left_hand': ('left_wrist',), 'right_hand': ('right_wrist',),
    'left_leg': ('left_hip', 'left_knee', 'left_ankle'),
    'right_leg': ('right_hip', 'right_knee', 'right_ankle'),
    'left_foot': ('left_ankle',), 'right_foot': ('right_ankle',),
}


@dataclass
class Annotations:
    """Ground truth of one video (image coordinates, frames 0-based).

    Attributes:
        joints: (A, T, J, 3) joints in image pixels (x, y) and relative depth.
        boxes: (A, T, 4) person boxes x1, y1, x2, y2 in pixels, clipped to the frame.
        visible: (A, T) whether the actor is annotated (>= half its box inside the frame).
        labels: (A, T, C) action labels (column = class id - 1), False where not visible.
        part_states: (A, T, len(TPS_PARTS)) state index per part (see PART_STATES).
        excluded: (T,) frames whose keyframes are excluded from evaluation (cue inside the clip).
    """

    joints: np.ndarray
    boxes: np.ndarray
    visible: np.ndarray
    labels: np.ndarray
    part_states: np.ndarray
    excluded: np.ndarray


def _window_diff(values: np.ndarray, half: int) -> np.ndarray:
    """values[t + half] - values[t - half] (indices clamped), along the last axis."""
    n = values.shape[-1]
    idx = np.arange(n)
    return values[..., np.minimum(idx + half, n - 1)] - values[..., np.maximum(idx - half, 0)]


def _window_any(mask: np.ndarray, half: int) -> np.ndarray:
    """Whether ``mask`` is true anywhere within +-half frames, along the last axis."""
    c = np.concatenate([np.zeros(mask.shape[:-1] + (1,)), np.cumsum(mask, axis=-1)], axis=-1)
    n = mask.shape[-1]
    idx = np.arange(n)
    return (c[..., np.minimum(idx + half + 1, n)] - c[..., np.maximum(idx - half, 0)]) > 0


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) runs of True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.diff(padded)
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist()))


def context_margin(height: float | np.ndarray) -> float | np.ndarray:
    """How far the context region reaches beyond the box, left and right: half the actor's
    (standing) height, whatever its posture.

    Context objects count on the actor's own ground line only. A margin tied to the box, or
    objects from other depth lanes, would make the region's catchment depend on the posture (a
    standing box is tall and would collect objects from more lanes; a crouching box is smaller),
    and so leak context labels into single-frame pose.
    """
    return 0.5 * height


def _area(b: np.ndarray) -> np.ndarray:
    return np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)


def _disjoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a[..., 2] <= b[..., 0]) | (b[..., 2] <= a[..., 0]) | (a[..., 3] <= b[..., 1]) | \
        (b[..., 3] <= a[..., 1])


def _return_labels(visible: np.ndarray, fps: int) -> np.ndarray:
    out = np.zeros_like(visible)
    runs = true_runs(visible)
    for (_, e0), (s1, e1) in zip(runs, runs[1:]):
        if s1 - e0 >= RETURN_GAP_S * fps:
            out[s1:min(e1, s1 + int(RETURN_WINDOW_S * fps) + 1)] = True
    return out


def _wait_labels(visible: np.ndarray, still: np.ndarray, still_ahead: np.ndarray, cue: int,
                 fps: int) -> np.ndarray:
    # in view without a break since the cue, and still; in the first 0.5 s after the cue the
    # centred speed window would reach back before the cue, so the forward window is used
    out = np.zeros_like(visible)
    early = np.arange(len(still)) < cue + fps // 2
    ok = visible & np.where(early, still_ahead, still)
    stop = min(len(ok), cue + int(WAIT_WINDOW_S * fps) + 1)
    t = cue
    while t < stop and ok[t]:
        out[t] = True
        t += 1
    return out


def _part_states(scene: Scene, joints: np.ndarray) -> np.ndarray:
    n_a, n_t = joints.shape[:2]
    states = np.zeros((n_a, n_t, len(TPS_PARTS)), dtype=np.int64)
    col = {p: i for i, p in enumerate(TPS_PARTS)}
    for a, actor in enumerate(scene.actors):
        tr, j = actor.track, joints[a]
        states[a, :, col['head']] = np.abs(tr.head_turn) > 0.5
        states[a, :, col['torso']] = tr.posture
        _, knee = leg_angles(tr)
        lying = tr.posture == 2
        for side, name in enumerate(('left', 'right')):
            arm = np.where(tr.arm_a[:, side] > 2.0, 2, np.where(tr.arm_e[:, side] > 0.8, 1, 0))
            states[a, :, col[f'{name}_arm']] = arm
            states[a, :, col[f'{name}_hand']] = (j[:, JOINT[f'{name}_wrist'], 1]
                                                 < j[:, JOINT[f'{name}_shoulder'], 1])
            states[a, :, col[f'{name}_leg']] = knee[:, side] > 0.6
            ankle_y = j[:, JOINT[f'{name}_ankle'], 1]
            other_y = j[:, JOINT[f'{("right", "left")[side]}_ankle'], 1]
            lifted = (tr.hop > 0.03) | (ankle_y < other_y - 0.04 * actor.height)
            states[a, :, col[f'{name}_foot']] = lifted & ~lying
    return states


def annotate(scene: Scene) -> Annotations:
    """Compute the ground truth of ``scene`` at every frame."""
    fps, n_t, n_a = scene.fps, scene.num_frames, len(scene.actors)
    half = fps // 2
    cam = scene.camera.astype(np.float64)
    world = np.stack([skeleton(a) for a in scene.actors])  # (A, T, J, 3)
    joints = world.copy()
    joints[..., 0] -= cam[None, :, None, 0]
    joints[..., 1] -= cam[None, :, None, 1]
    wboxes = np.stack([person_boxes(world[i], a.height) for i, a in enumerate(scene.actors)])
    full = wboxes - np.concatenate([cam, cam], axis=1)[None]
    clipped = full.copy()
    clipped[..., [0, 2]] = np.clip(full[..., [0, 2]], 0, scene.width)
    clipped[..., [1, 3]] = np.clip(full[..., [1, 3]], 0, scene.height)
    visible = (_area(clipped) >= MIN_VISIBLE * _area(full)) & \
        (clipped[..., 2] - clipped[..., 0] >= 3) & (clipped[..., 3] - clipped[..., 1] >= 3)

    heights = np.array([a.height for a in scene.actors])[:, None]
    xs = np.stack([a.track.x for a in scene.actors])
    speed = _window_diff(xs, half) / (2 * half / fps) / heights  # heights / s, signed
    still = np.abs(speed) < WALK_MIN
    n_idx = np.arange(n_t)
    ahead = (xs[:, np.minimum(n_idx + half, n_t - 1)] - xs) / (half / fps) / heights
    still_ahead = np.abs(ahead) < WALK_MIN
    labels = np.zeros((n_a, n_t, len(CLASSES)), dtype=bool)
    for a, actor in enumerate(scene.actors):
        for p, name in enumerate(('stand', 'crouch', 'lie')):
            labels[a, :, class_index(name)] = actor.track.posture == p
    labels[..., class_index('walk')] = (np.abs(speed) >= WALK_MIN) & (np.abs(speed) < RUN_MIN)
    labels[..., class_index('run')] = np.abs(speed) >= RUN_MIN
    for name, intent in scene.intents.items():
        labels[..., class_index(name)] |= intent
    # context: an object of the class's kind on the actor's own ground line, centred within the
    # context margin of the box and at least CONTEXT_GAP px beside it
    lanes = np.array([a.ground_y for a in scene.actors])[:, None]
    m = context_margin(heights)  # (A, 1), broadcast over frames
    for obj in scene.objects:
        ob = obj.box()
        cx, cy = (ob[0] + ob[2]) / 2, (ob[1] + ob[3]) / 2
        same_lane = np.abs(obj.ground_y - lanes) <= 0.1 * heights
        reach = (cx >= wboxes[..., 0] - m) & (cx <= wboxes[..., 2] + m)
        beside = (ob[2] <= wboxes[..., 0] - CONTEXT_GAP) | (ob[0] >= wboxes[..., 2] + CONTEXT_GAP)
        icx, icy = cx - cam[:, 0], cy - cam[:, 1]
        in_frame = (icx >= 0) & (icx < scene.width) & (icy >= 0) & (icy < scene.height)
        hit = same_lane & reach & beside & in_frame[None]
        for cls, kind in CONTEXT_OBJECT.items():
            if obj.kind == kind:
                labels[..., class_index(cls)] |= hit
    # relations between same-lane actors
    for a, actor in enumerate(scene.actors):
        h = actor.height
        for b, other in enumerate(scene.actors):
            if a == b or other.ground_y != actor.ground_y:
                continue
            dx = xs[b] - xs[a]
            dist = np.abs(dx)
            both = visible[a] & visible[b]
            closing = _window_diff(dist, half) / (2 * half / fps) / h
            towards = np.sign(speed[a]) == np.sign(dx)
            labels[a, :, class_index('approach')] |= both & (closing < -WALK_MIN) & \
                (np.abs(speed[a]) >= WALK_MIN) & towards & (dist < 5 * h)
            labels[a, :, class_index('chase')] |= both & (np.abs(speed[a]) >= RUN_MIN) & \
                (np.abs(speed[b]) >= RUN_MIN) & towards & (np.sign(speed[b]) == np.sign(dx)) & \
                (dist < 3.5 * h)
            facing = (np.cos(actor.track.yaw) * np.sign(dx) > 0.4) & \
                (np.cos(other.track.yaw) * -np.sign(dx) > 0.4)
            labels[a, :, class_index('talk')] |= both & still[a] & still[b] & facing & \
                (dist >= 0.5 * h) & (dist <= 1.6 * h) & _disjoint(full[a], full[b])
    excluded = np.zeros(n_t, dtype=bool)
    for a in range(n_a):
        labels[a, :, class_index('return')] = _return_labels(visible[a], fps)
        if scene.cue_frame is not None:
            labels[a, :, class_index('wait')] = _wait_labels(visible[a], still[a], still_ahead[a],
                                                             scene.cue_frame, fps)
    if scene.cue_frame is not None:
        lo, hi = (int(round(s * fps)) + scene.cue_frame for s in EXCLUDE_AROUND_CUE_S)
        excluded[max(0, lo):min(n_t, hi + 1)] = True
    labels &= visible[..., None]
    return Annotations(joints=joints, boxes=clipped, visible=visible, labels=labels,
                       part_states=_part_states(scene, joints), excluded=excluded)


def keypoint_visibility(scene: Scene, ann: Annotations, t: int) -> np.ndarray:
    """COCO visibility (0 outside the frame, 1 occluded or facing away, 2 visible), (A, 17)."""
    kp = ann.joints[:, t, :len(COCO_KEYPOINTS)]
    vis = np.full(kp.shape[:2], 2, dtype=np.int64)
    head_z = ann.joints[:, t, JOINT['head'], 2]
    heights = np.array([a.height for a in scene.actors])
    face = kp[:, :5, 2] < head_z[:, None] - 0.02 * heights[:, None]
    vis[:, :5][face] = 1
    order = np.array([a.ground_y for a in scene.actors])
    segs = [(JOINT[p], JOINT[q]) for p, q in (
        ('left_shoulder', 'left_elbow'), ('left_elbow', 'left_wrist'),
        ('right_shoulder', 'right_elbow'), ('right_elbow', 'right_wrist'),
        ('left_hip', 'left_knee'), ('left_knee', 'left_ankle'), ('right_hip', 'right_knee'),
        ('right_knee', 'right_ankle'), ('neck', 'left_hip'), ('neck', 'right_hip'))]
    for a in range(len(scene.actors)):
        for b in range(len(scene.actors)):
            if order[b] <= order[a] or not ann.visible[b, t]:
                continue
            jb = ann.joints[b, t, :, :2]
            radius = limb_thickness(heights[b]) / 2 + 1.0
            p = kp[a, :, None, :2]
            s0 = np.stack([jb[i] for i, _ in segs])[None]
            s1 = np.stack([jb[k] for _, k in segs])[None]
            d = s1 - s0
            u = np.clip(((p - s0) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-9), 0, 1)
            near = np.linalg.norm(p - (s0 + u[..., None] * d), axis=-1).min(axis=1) <= radius
            head = np.linalg.norm(kp[a, :, :2] - jb[JOINT['head']], axis=-1) <= 0.07 * heights[b]
            vis[a][near | head] = 1
    x, y = kp[..., 0], kp[..., 1]
    outside = (x < 0) | (y < 0) | (x >= scene.width) | (y >= scene.height)
    vis[outside] = 0
    return vis


def part_boxes(scene: Scene, ann: Annotations, a: int, t: int,
               parts: dict[str, tuple[str, ...]]) -> dict[str, np.ndarray]:
    """Boxes (x1, y1, x2, y2, clipped to the frame) of ``parts`` of actor ``a`` at frame ``t``."""
    h = scene.actors[a].height
    pad = limb_thickness(h) / 2 + 0.5
    out = {}
    for name, names in parts.items():
        pts = ann.joints[a, t, [JOINT[n] for n in names], :2]
        r = 0.07 * h if names == ('head',) else (0.05 * h if len(names) == 1 else pad)
        box = np.array([pts[:, 0].min() - r, pts[:, 1].min() - r, pts[:, 0].max() + r,
                        pts[:, 1].max() + r])
        box[[0, 2]] = np.clip(box[[0, 2]], 0, scene.width)
        box[[1, 3]] = np.clip(box[[1, 3]], 0, scene.height)
        out[name] = box
    return out

