"""A video's world: actors, static objects, the cue lamp, the camera path and the background."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from mmaction_plugins.datasets.synthetic.actors import Actor

__all__ = ['OBJECT_KINDS', 'CONTEXT_OBJECT', 'SceneObject', 'Lamp', 'Scene', 'horizon_y',
           'height_at', 'camera_path', 'background']

OBJECT_KINDS: tuple[str, ...] = ('ball', 'crate', 'door')
# context class -> the object kind whose presence beside the actor defines it
CONTEXT_OBJECT: dict[str, str] = {'kick ball': 'ball', 'pick up box': 'crate', 'open door': 'door'}
_OBJECT_SIZE = {'ball': (0.16, 0.16), 'crate': (0.22, 0.2), 'door': (0.2, 0.8)}  # (w, h) / height


def horizon_y(frame_h: int) -> float:
    """World y of the horizon (wall / floor boundary)."""
    return 0.36 * frame_h


def height_at(ground_y: float, frame_h: int) -> float:
    """Perspective: the height, in pixels, of an actor standing on ground line ``ground_y``."""
    return 0.8 * (ground_y - horizon_y(frame_h))


@dataclass(frozen=True)
class SceneObject:
    """A static object standing on the floor.

    Args:
        kind: One of :data:`OBJECT_KINDS`.
        x: Centre x, world pixels.
        ground_y: Ground line it stands on.
        scale: Height of an actor on that ground line (sizes are relative to it).
        colour: BGR colour.
    """

    kind: str
    x: float
    ground_y: float
    scale: float
    colour: tuple[int, int, int]

    def box(self) -> np.ndarray:
        """World box (x1, y1, x2, y2)."""
        w, h = (s * self.scale for s in _OBJECT_SIZE[self.kind])
        return np.array([self.x - w / 2, self.ground_y - h, self.x + w / 2, self.ground_y])

    @staticmethod
    def size(kind: str, scale: float) -> tuple[float, float]:
        """(width, height) in pixels of an object of ``kind`` next to an actor of height scale."""
        w, h = _OBJECT_SIZE[kind]
        return w * scale, h * scale


@dataclass(frozen=True)
class Lamp:
    """The cue lamp on the wall: grey, and bright yellow while it flashes."""

    x: float
    y: float
    radius: float


@dataclass
class Scene:
    """Everything needed to render and annotate one video.

    Attributes:
        video_id: Video name.
        num_frames, width, height, fps: Frame geometry and rate.
        actors: The actors (``actor_id`` = index).
        lanes: Ground line of every actor (same as ``actor.ground_y``), for relation rules.
        objects: Static objects.
        lamp: The cue lamp; ``cue_frame`` (0-based) is when it flashes, or None.
        camera: (T, 2) integer camera offset (x, y): image = world - camera.
        background: (height + 2 m, width + 2 m, 3) uint8 canvas, ``m`` = ``margin``.
        theme: The class this video is scripted around (Kinetics-TPS's per-video category).
        intents: Scripted per-frame labels ``{class name: (A, T) bool}`` for the classes that
            are defined by what an actor does rather than by a geometric rule.
    """

    video_id: str
    num_frames: int
    width: int
    height: int
    fps: int
    actors: list[Actor]
    objects: list[SceneObject]
    lamp: Lamp
    cue_frame: int | None
    camera: np.ndarray
    background: np.ndarray
    margin: int
    theme: str
    intents: dict[str, np.ndarray] = field(default_factory=dict)


def camera_path(rng: np.random.Generator, num_frames: int, amplitude: float) -> np.ndarray:
    """A smooth random pan within +-``amplitude`` pixels, as (T, 2) integer offsets."""
    if amplitude <= 0:
        return np.zeros((num_frames, 2), dtype=np.int64)
    steps = rng.normal(0.0, 1.0, size=(num_frames, 2))
    kernel = np.hanning(61)
    kernel /= kernel.sum()
    walk = np.cumsum(steps, axis=0)
    smooth = np.stack([np.convolve(walk[:, i], kernel, mode='same') for i in range(2)], axis=1)
    smooth -= smooth.mean(axis=0)
    peak = np.abs(smooth).max()
    if peak > 0:
        smooth *= amplitude / peak
    return np.rint(smooth).astype(np.int64)


def background(rng: np.random.Generator, width: int, height: int, margin: int,
               clutter: int) -> np.ndarray:
    """Wall and floor with ``clutter`` random shapes (colours drawn like the actors' clothes)."""
    h, w = height + 2 * margin, width + 2 * margin
    hz = int(round(horizon_y(height))) + margin
    img = np.empty((h, w, 3), dtype=np.uint8)
    wall = rng.integers(90, 200, size=3)
    floor = rng.integers(60, 170, size=3)
    ramp = np.linspace(0.85, 1.1, h - hz)[:, None, None]
    img[:hz] = wall
    img[hz:] = np.clip(floor[None, None, :] * ramp, 0, 255).astype(np.uint8)
    for _ in range(clutter):
        colour = tuple(int(c) for c in rng.integers(30, 250, size=3))
        kind = int(rng.integers(0, 3))
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        size = int(rng.integers(3, max(4, height // 6)))
        if kind == 0:
            cv2.rectangle(img, (cx - size, cy - size // 2), (cx + size, cy + size // 2), colour, -1)
        elif kind == 1:
            cv2.circle(img, (cx, cy), max(2, size // 2), colour, -1, cv2.LINE_AA)
        else:
            ex, ey = int(rng.integers(0, w)), int(rng.integers(0, h))
            cv2.line(img, (cx, cy), (ex, ey), colour, int(rng.integers(1, 3)), cv2.LINE_AA)
    return img
