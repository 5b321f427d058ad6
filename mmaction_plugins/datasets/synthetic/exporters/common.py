"""Helpers shared by the exporters: the video record they consume, box formatting and noise."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass

import numpy as np

from mmaction_plugins.datasets.synthetic.labels import Annotations
from mmaction_plugins.datasets.synthetic.scene import Scene
from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_text

__all__ = ['VideoRecord', 'TIMESTAMP_START', 'keyframes', 'rel_box', 'jitter_box',
           'write_pickle', 'write_json_compact', 'csv_text']

# AVA timestamps are seconds counted like in AVA's 15-minute clips, which start at 900 s:
# keyframe second ``s`` is frame ``(s - 900) * fps + 1`` (1-based) of the video.
TIMESTAMP_START = 900


@dataclass
class VideoRecord:
    """One generated video, as the exporters see it.

    Args:
        scene: The scene.
        ann: Its ground truth.
        split: ``'train'`` or ``'val'``.
        sport: MultiSports-style folder (the group of the video's theme class).
        category: The Kinetics-TPS category (class name) of the video.
        noise_rng: Generator for the training-annotation noise of this video.
    """

    scene: Scene
    ann: Annotations
    split: str
    sport: str
    category: str
    noise_rng: np.random.Generator


def keyframes(scene: Scene) -> list[tuple[int, int]]:
    """(timestamp, 0-based frame) of every AVA keyframe: seconds 2 .. seconds-2, one per second."""
    seconds = scene.num_frames // scene.fps
    return [(TIMESTAMP_START + s, s * scene.fps) for s in range(2, seconds - 1)]


def rel_box(box: np.ndarray, width: int, height: int) -> tuple[float, float, float, float]:
    """Pixel box -> relative (0..1) box rounded to 3 decimals, never empty after rounding."""
    x1, x2 = round(float(box[0]) / width, 3), round(float(box[2]) / width, 3)
    y1, y2 = round(float(box[1]) / height, 3), round(float(box[3]) / height, 3)
    x2, y2 = max(x2, min(1.0, x1 + 0.001)), max(y2, min(1.0, y1 + 0.001))
    return x1, y1, x2, y2


def jitter_box(rng: np.random.Generator, box: np.ndarray, sigma: float, width: int,
               height: int) -> np.ndarray:
    """Gaussian jitter of each side by ``sigma`` x the box size, clipped to the frame."""
    if sigma <= 0:
        return box
    w, h = box[2] - box[0], box[3] - box[1]
    out = box + rng.normal(0.0, sigma, size=4) * np.array([w, h, w, h])
    out[[0, 2]] = np.clip(np.sort(out[[0, 2]]), 0, width)
    out[[1, 3]] = np.clip(np.sort(out[[1, 3]]), 0, height)
    return out


def write_json_compact(path: str, obj: object) -> None:
    """JSON without indentation (large files), keys sorted, written atomically."""
    atomic_write_text(path, json.dumps(obj, sort_keys=True, separators=(',', ':')) + '\n')


def write_pickle(path: str, obj: object) -> None:
    """Pickle plain builtins / numpy data (protocol 4) atomically."""
    atomic_write_bytes(path, pickle.dumps(obj, protocol=4))


def csv_text(rows: list[tuple]) -> str:
    """Rows -> CSV text (no header, ``\\n`` line ends), floats with 3 decimals."""
    def fmt(v: object) -> str:
        return f'{v:.3f}' if isinstance(v, float) else str(v)

    return ''.join(','.join(fmt(v) for v in row) + '\n' for row in rows)
