"""Action scripting primitives: what one actor (or a pair) does over a frame range.

Every primitive writes into an actor's :class:`~.actors.PoseTrack` for frames ``[start, stop)``
and, where it moves the actor, holds the final position for all later frames (later slots
overwrite them). Nothing here draws or labels: :mod:`.labels` derives the ground truth from the
resulting tracks, and scripted intents are recorded by the caller.

Single-frame appearance is kept independent of every non-pose class: the static pose prior
(:func:`static_pose`) is the same for every actor whatever it is scripted to do, facing is
independent of the direction of travel, and gestures start from a pose drawn from that prior.
"""

from __future__ import annotations

import numpy as np

from mmaction_plugins.datasets.synthetic.actors import JOINT, Actor, PoseTrack, skeleton

__all__ = ['arm_prior', 'static_pose', 'translate', 'shuttle', 'hop', 'spin', 'wave', 'point',
           'raise_arm', 'face', 'reach_out', 'wrist_x', 'offstage_x', 'WALK_SPEED', 'RUN_SPEED']

WALK_SPEED = (0.4, 0.7)  # heights per second
RUN_SPEED = (1.15, 1.6)


def arm_prior(rng: np.random.Generator) -> tuple[float, float]:
    """(elevation, elbow flexion) of one arm, from the pose prior shared by every actor."""
    mode = rng.random()
    if mode < 0.4:  # resting
        return float(rng.uniform(0.0, 0.3)), float(rng.uniform(0.0, 0.4))
    if mode < 0.8:  # anywhere
        return float(rng.uniform(0.0, np.pi)), float(rng.uniform(0.0, 2.2))
    return float(rng.uniform(1.3, 1.8)), float(rng.uniform(0.0, 0.3))  # reaching forward


def static_pose(rng: np.random.Generator, track: PoseTrack, start: int, stop: int,
                posture_p: np.ndarray, fps: int) -> None:
    """Draw the slot's posture, facing, head turn, arms and leg stepping from the shared prior."""
    track.posture[start:stop] = rng.choice(len(posture_p), p=posture_p)
    track.yaw[start:stop] = rng.uniform(0.0, 2 * np.pi)
    turn = 0.0 if rng.random() < 0.6 else float(rng.choice([-1.0, 1.0]) * rng.uniform(0.7, 1.3))
    track.head_turn[start:stop] = turn
    for side in (0, 1):
        track.arm_a[start:stop, side], track.arm_e[start:stop, side] = arm_prior(rng)
    track.leg_amp[start:stop] = 0.0 if rng.random() < 0.4 else rng.uniform(0.15, 0.5)
    phase0 = track.leg_phase[start - 1] if start > 0 else rng.uniform(0.0, 2 * np.pi)
    step = 2 * np.pi * rng.uniform(1.2, 2.2) / fps
    track.leg_phase[start:stop] = phase0 + step * np.arange(1, stop - start + 1)
    track.hop[start:stop] = 0.0


def offstage_x(actor: Actor, width: int, side: int) -> float:
    """An x just outside the frame on ``side`` (-1 left, +1 right) where the actor is unseen."""
    return width / 2 + side * (width / 2 + 0.75 * actor.height)


def translate(actor: Actor, start: int, stop: int, velocity: float, width: int,
              target: float | None = None) -> int:
    """Move at ``velocity`` px/frame on ``[start, stop)`` (stopping at ``target`` if given).

    The actor never goes further than just off-frame; the position is held after ``stop``.

    Returns:
        The frame at which the actor stopped (``stop`` if it moved all along).
    """
    tr = actor.track
    if stop <= start:
        return start
    x0 = tr.x[start - 1] if start > 0 else tr.x[start]
    xs = x0 + velocity * np.arange(1, stop - start + 1)
    lo, hi = offstage_x(actor, width, -1), offstage_x(actor, width, 1)
    if target is not None:
        lo, hi = (lo, min(hi, target)) if velocity > 0 else (max(lo, target), hi)
    clipped = np.clip(xs, min(lo, x0), max(hi, x0))
    reached = np.nonzero(clipped != xs)[0]
    tr.x[start:stop] = clipped
    tr.x[stop:] = clipped[-1]
    return start + int(reached[0]) if len(reached) else stop


def shuttle(actor: Actor, start: int, stop: int, speed: float, width: int) -> None:
    """Run back and forth at ``speed`` px/frame, turning at the frame edges (stays in view)."""
    tr = actor.track
    if stop <= start:
        return
    x0 = tr.x[start - 1] if start > 0 else tr.x[start]
    lo, hi = 0.6 * actor.height, width - 0.6 * actor.height
    if hi <= lo:
        tr.x[start:] = x0
        return
    period = 2 * (hi - lo)
    pos = np.mod(np.clip(x0, lo, hi) - lo + speed * np.arange(1, stop - start + 1), period)
    tr.x[start:stop] = lo + np.where(pos <= hi - lo, pos, period - pos)
    tr.x[stop:] = tr.x[stop - 1]


def hop(rng: np.random.Generator, track: PoseTrack, start: int, stop: int, fps: int) -> None:
    """Repeated jumps in place: feet off the ground by 12-25% of the height, 0.45-0.7 s each."""
    amp, period = rng.uniform(0.12, 0.25), rng.uniform(0.45, 0.7) * fps
    t = np.arange(stop - start)
    track.hop[start:stop] = amp * np.abs(np.sin(np.pi * t / period))


def spin(rng: np.random.Generator, track: PoseTrack, start: int, stop: int, fps: int) -> None:
    """Turn about the vertical axis at 4-7 rad/s."""
    omega = rng.choice([-1.0, 1.0]) * rng.uniform(4.0, 7.0) / fps
    track.yaw[start:stop] = track.yaw[start] + omega * np.arange(stop - start)


def wave(rng: np.random.Generator, track: PoseTrack, side: int, start: int, stop: int,
         fps: int) -> None:
    """Forearm oscillation (~2 Hz, 0.5 rad) around the arm's current pose."""
    t = np.arange(stop - start) / fps
    phi = rng.uniform(0.0, 2 * np.pi)
    e0 = track.arm_e[start, side]
    e = e0 + 0.55 * (np.sin(2 * np.pi * rng.uniform(1.7, 2.4) * t + phi) - np.sin(phi))
    track.arm_e[start:stop, side] = np.clip(e, 0.0, 2.4)


def point(rng: np.random.Generator, track: PoseTrack, side: int, start: int, stop: int) -> None:
    """Extend the arm: the elbow straightens steadily from bent to (nearly) straight."""
    e0, e1 = rng.uniform(1.2, 2.4), rng.uniform(0.0, 0.3)
    track.arm_e[start:stop, side] = np.linspace(e0, e1, stop - start)


def raise_arm(rng: np.random.Generator, track: PoseTrack, side: int, start: int,
              stop: int) -> None:
    """Raise the upper arm steadily from low to high."""
    a0, a1 = rng.uniform(0.0, 1.2), rng.uniform(2.2, np.pi)
    track.arm_a[start:stop, side] = np.linspace(a0, a1, stop - start)


def face(rng: np.random.Generator, track: PoseTrack, start: int, stop: int,
         direction: float) -> None:
    """Face towards image-``direction`` (+1 right, -1 left), within +-63 degrees of profile."""
    base = 0.0 if direction > 0 else np.pi
    track.yaw[start:stop] = base + rng.uniform(-1.1, 1.1)


def reach_out(rng: np.random.Generator, track: PoseTrack, start: int, stop: int) -> None:
    """Right arm straight forward at shoulder height (the hand-over gesture)."""
    track.arm_a[start:stop, 1] = np.pi / 2 + rng.uniform(-0.1, 0.1)
    track.arm_e[start:stop, 1] = rng.uniform(0.0, 0.15)


def wrist_x(actor: Actor, frame: int) -> float:
    """World x of the right wrist at ``frame``."""
    return float(skeleton(actor)[frame, JOINT['right_wrist'], 0])
