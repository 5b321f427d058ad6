"""Articulated stick-figure actors: appearance, per-frame pose parameters and the skeleton.

An actor is a 2.5-D stick figure. Its pose at every frame is a handful of parameters
(:class:`PoseTrack`); :func:`skeleton` turns them, for all frames at once, into image positions of
the 17 COCO keypoints plus the head centre and neck (:data:`JOINTS`).

Body frame (units of the actor's height ``h``): ``f`` forward, ``u`` up, ``l`` the actor's left.
With yaw ``theta`` (0 = facing image-right, pi/2 = facing the camera, pi = facing left) a body
point projects to ``X = x + h (f cos theta + l sin theta)``, ``Y = ground - h u`` and gets depth
``Z = h (f sin theta - l cos theta)`` (larger = nearer the camera; used for drawing order only).
``lie`` rotates the standing figure by 90 degrees in the image plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ['COCO_KEYPOINTS', 'JOINTS', 'JOINT', 'POSTURES', 'SKELETON_EDGES', 'Appearance',
           'PoseTrack', 'Actor', 'leg_angles', 'skeleton', 'person_boxes', 'limb_thickness',
           'HEAD_RADIUS']

COCO_KEYPOINTS: tuple[str, ...] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
    'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
    'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
JOINTS: tuple[str, ...] = COCO_KEYPOINTS + ('head', 'neck')
JOINT: dict[str, int] = {name: i for i, name in enumerate(JOINTS)}
POSTURES: tuple[str, ...] = ('stand', 'crouch', 'lie')
# COCO's skeleton (1-based keypoint indices), as in person_keypoints json files.
SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8), (7, 9),
    (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7))

HEAD_RADIUS = 0.07
_SHOULDER_W, _HIP_W = 0.10, 0.07
_UPPER_ARM, _FOREARM, _THIGH, _SHIN = 0.17, 0.16, 0.24, 0.24
_NECK_U, _SHOULDER_U, _HEAD_U = 0.30, 0.28, 0.38
_ABDUCTION = 0.25
_LEAN = (0.04, 0.55, 0.0)  # torso lean per posture


def limb_thickness(height: float) -> int:
    """Line thickness, in pixels, of an actor's limbs."""
    return max(1, int(round(0.05 * height)))


@dataclass(frozen=True)
class Appearance:
    """Colours (BGR) of one actor, independent of anything it does."""

    shirt: tuple[int, int, int]
    pants: tuple[int, int, int]
    skin: tuple[int, int, int]

    @staticmethod
    def sample(rng: np.random.Generator) -> Appearance:
        """Draw random clothing and skin colours."""
        def colour(lo: int, hi: int) -> tuple[int, int, int]:
            c = rng.integers(lo, hi, size=3)
            return int(c[0]), int(c[1]), int(c[2])

        tone = float(rng.uniform(0.35, 1.0))
        skin = (int(110 * tone + 20), int(150 * tone + 25), int(200 * tone + 30))
        return Appearance(shirt=colour(30, 250), pants=colour(20, 200), skin=skin)


@dataclass
class PoseTrack:
    """Per-frame pose parameters of one actor; every array has length ``T`` (frames).

    Attributes:
        x: Body centre in world pixels (the camera adds its own offset when rendering).
        hop: Height of the feet above the ground, as a fraction of the actor's height.
        yaw: Body yaw (radians, see the module docstring).
        head_turn: Head yaw relative to the body.
        posture: Index into :data:`POSTURES`.
        arm_a: (T, 2) upper-arm elevation of the left / right arm: 0 down, pi/2 forward, pi up.
        arm_e: (T, 2) elbow flexion (0 straight).
        leg_amp: Amplitude of the leg swing (radians); 0 = legs together.
        leg_phase: Phase of the leg swing.
    """

    x: np.ndarray
    hop: np.ndarray
    yaw: np.ndarray
    head_turn: np.ndarray
    posture: np.ndarray
    arm_a: np.ndarray
    arm_e: np.ndarray
    leg_amp: np.ndarray
    leg_phase: np.ndarray

    @staticmethod
    def still(num_frames: int, x: float) -> PoseTrack:
        """A standing, motionless actor at ``x`` (callers overwrite what they script)."""
        z = np.zeros(num_frames)
        return PoseTrack(x=np.full(num_frames, float(x)), hop=z.copy(), yaw=z.copy(),
                         head_turn=z.copy(), posture=np.zeros(num_frames, dtype=np.int64),
                         arm_a=np.zeros((num_frames, 2)), arm_e=np.zeros((num_frames, 2)),
                         leg_amp=z.copy(), leg_phase=z.copy())


@dataclass
class Actor:
    """One actor of a video.

    Args:
        actor_id: 0-based person id within the video (the CSVs' ``entity`` / ``person_id``).
        appearance: Colours.
        ground_y: World y of the ground line the actor walks on (its depth lane).
        height: Height in pixels (larger when nearer).
        lie_dir: +1 / -1: which way the figure falls when lying.
        track: Per-frame pose parameters.
    """

    actor_id: int
    appearance: Appearance
    ground_y: float
    height: float
    lie_dir: int
    track: PoseTrack


def _rot_lean(f: np.ndarray, u: np.ndarray, lean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c, s = np.cos(lean), np.sin(lean)
    return f * c + u * s, -f * s + u * c


def leg_angles(track: PoseTrack) -> tuple[np.ndarray, np.ndarray]:
    """Thigh angle (0 down, positive forward) and knee flexion of the left / right leg, (T, 2)."""
    crouch = track.posture == 1
    swing = track.leg_amp * np.sin(track.leg_phase)
    hip, knee = np.empty((len(crouch), 2)), np.empty((len(crouch), 2))
    for side, sign in ((0, 1.0), (1, -1.0)):
        hip[:, side] = np.where(crouch, 1.35 + 0.3 * sign * swing, sign * swing)
        knee[:, side] = np.where(
            crouch, 2.3, 0.1 + 0.6 * track.leg_amp * (1 - sign * np.cos(track.leg_phase)))
    return hip, knee


def skeleton(actor: Actor) -> np.ndarray:
    """Image-plane joints of ``actor`` at every frame.

    Returns:
        ndarray (T, len(JOINTS), 3): world ``X, Y`` in pixels and relative depth ``Z``.
    """
    tr, h = actor.track, actor.height
    n = len(tr.x)
    nj = len(JOINTS)
    f = np.zeros((n, nj))
    u = np.zeros((n, nj))
    lat = np.zeros((n, nj))
    hip_angle, knee_flex = leg_angles(tr)
    # legs, relative to the hip centre
    for side, sign in ((0, 1.0), (1, -1.0)):
        phi, knee = hip_angle[:, side], knee_flex[:, side]
        hip_j = JOINT[('left_hip', 'right_hip')[side]]
        knee_j = JOINT[('left_knee', 'right_knee')[side]]
        ank_j = JOINT[('left_ankle', 'right_ankle')[side]]
        lat[:, hip_j] = lat[:, knee_j] = lat[:, ank_j] = sign * _HIP_W
        f[:, knee_j] = _THIGH * np.sin(phi)
        u[:, knee_j] = -_THIGH * np.cos(phi)
        f[:, ank_j] = f[:, knee_j] + _SHIN * np.sin(phi - knee)
        u[:, ank_j] = u[:, knee_j] - _SHIN * np.cos(phi - knee)
    # upper body in the torso frame (before leaning)
    upper = [JOINT['neck'], JOINT['head'], JOINT['left_shoulder'], JOINT['right_shoulder'],
             JOINT['left_elbow'], JOINT['right_elbow'], JOINT['left_wrist'], JOINT['right_wrist']]
    u[:, JOINT['neck']] = _NECK_U
    u[:, JOINT['head']] = _HEAD_U
    for side, sign in ((0, 1.0), (1, -1.0)):
        name = ('left', 'right')[side]
        sh, el, wr = JOINT[f'{name}_shoulder'], JOINT[f'{name}_elbow'], JOINT[f'{name}_wrist']
        a, e = tr.arm_a[:, side], tr.arm_e[:, side]
        ca, sa = np.cos(_ABDUCTION), np.sin(_ABDUCTION)
        u[:, sh] = _SHOULDER_U
        lat[:, sh] = sign * _SHOULDER_W
        f[:, el] = _UPPER_ARM * np.sin(a) * ca
        u[:, el] = _SHOULDER_U - _UPPER_ARM * np.cos(a) * ca
        lat[:, el] = lat[:, sh] + sign * _UPPER_ARM * sa
        f[:, wr] = f[:, el] + _FOREARM * np.sin(a + e) * ca
        u[:, wr] = u[:, el] - _FOREARM * np.cos(a + e) * ca
        lat[:, wr] = lat[:, el] + sign * _FOREARM * sa
    lean = np.asarray(_LEAN)[tr.posture]
    for j in upper:
        f[:, j], u[:, j] = _rot_lean(f[:, j], u[:, j], lean)
    # face points in the head frame, turned by head_turn about the vertical axis
    head_f, head_u = f[:, JOINT['head']], u[:, JOINT['head']]
    face = {'nose': (0.07, -0.01, 0.0), 'left_eye': (0.055, 0.02, 0.03),
            'right_eye': (0.055, 0.02, -0.03), 'left_ear': (0.0, 0.01, 0.07),
            'right_ear': (0.0, 0.01, -0.07)}
    ch, sh_ = np.cos(tr.head_turn), np.sin(tr.head_turn)
    for name, (fh, uh, lh) in face.items():
        j = JOINT[name]
        f[:, j] = head_f + fh * ch + lh * sh_
        u[:, j] = head_u + uh
        lat[:, j] = -fh * sh_ + lh * ch
    # project
    cy, sy = np.cos(tr.yaw)[:, None], np.sin(tr.yaw)[:, None]
    dx = h * (f * cy + lat * sy)
    dy = -h * u
    z = h * (f * sy - lat * cy)
    lying = (tr.posture == 2)[:, None]
    ang = actor.lie_dir * np.pi / 2
    rx = np.where(lying, np.cos(ang) * dx - np.sin(ang) * dy, dx)
    ry = np.where(lying, np.sin(ang) * dx + np.cos(ang) * dy, dy)
    # the lowest ankle (standing, crouching) or lowest point (lying) touches the ground
    ankles = [JOINT['left_ankle'], JOINT['right_ankle']]
    low = np.where(lying[:, 0], ry.max(axis=1) + HEAD_RADIUS * h * 0.5, ry[:, ankles].max(axis=1))
    out = np.empty((n, nj, 3))
    out[..., 0] = tr.x[:, None] + rx
    out[..., 1] = (actor.ground_y - tr.hop * h - low)[:, None] + ry
    out[..., 2] = z
    return out


def person_boxes(joints: np.ndarray, height: float) -> np.ndarray:
    """Tight person boxes (x1, y1, x2, y2), world pixels, from joints (T, J, 3)."""
    r = HEAD_RADIUS * height
    pad = limb_thickness(height) / 2.0
    head = joints[:, JOINT['head'], :2]
    x1 = np.minimum(joints[..., 0].min(axis=1) - pad, head[:, 0] - r)
    y1 = np.minimum(joints[..., 1].min(axis=1) - pad, head[:, 1] - r)
    x2 = np.maximum(joints[..., 0].max(axis=1) + pad, head[:, 0] + r)
    y2 = np.maximum(joints[..., 1].max(axis=1) + pad, head[:, 1] + r)
    return np.stack([x1, y1, x2, y2], axis=1)
