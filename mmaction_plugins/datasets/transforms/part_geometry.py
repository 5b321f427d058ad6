"""Geometry of the part-state network's input: frame pixels <-> input pixels, flips included.

The part-state pipeline (:mod:`.part_crop`, :mod:`.part_flip`) turns a frame into the network
input by a chain of axis-aligned maps, each exact in its own right:

* the person crop (:func:`~mmaction_plugins.datasets.person_crops.crop_box`: whole-pixel origin,
  clipped at the image border) — a translation by the crop origin;
* the resize of the crop to a fixed size — a scale per axis (``out / crop`` size);
* the random / centre crop of the resized image — a translation by a whole-pixel offset;
* the horizontal flip of a ``W``-wide image — ``x -> W - x`` (mmdet's continuous convention: a
  box covering the whole image is ``0, 0, W, H``), and left/right parts swap names.

:class:`PartAffine` composes them into ``x_in = ax * x + bx``, ``y_in = ay * y + by`` (``ax < 0``
after an odd number of flips) and maps boxes both ways; a flipped box is re-ordered so that
``x1 <= x2``. Translations and flips are exact in floating point for coordinates on a binary grid;
a resize is one multiplication each way, so a round trip is exact to ~1e-12 px for frames below
4096 px (``tests/datasets/test_part_transforms.py`` checks both, and checks the pixels: a part
painted in the frame lands on its mapped box in the input).

:func:`flip_permutation` gives the part order after a flip: ``left_*`` and ``right_*`` trade
places, so a mirrored left arm is labelled, classified and scored as the right arm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ['PartAffine', 'flip_permutation']


@dataclass(frozen=True)
class PartAffine:
    """``x_in = ax * x + bx``, ``y_in = ay * y + by``; the identity by default.

    Attributes:
        ax: x scale (negative when flipped).
        bx: x offset.
        ay: y scale (> 0).
        by: y offset.
    """

    ax: float = 1.0
    bx: float = 0.0
    ay: float = 1.0
    by: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite([self.ax, self.bx, self.ay, self.by]).all() and self.ax != 0
                and self.ay > 0):
            raise ValueError(f'PartAffine needs finite values, ax != 0 and ay > 0, got {self}')

    @property
    def flipped(self) -> bool:
        """Whether the map mirrors x (an odd number of flips)."""
        return self.ax < 0

    def translate(self, dx: float, dy: float) -> PartAffine:
        """Then move the origin to ``(dx, dy)`` (a crop whose top-left corner is there)."""
        return PartAffine(self.ax, self.bx - dx, self.ay, self.by - dy)

    def scale(self, sx: float, sy: float) -> PartAffine:
        """Then resize by ``sx``, ``sy`` (> 0)."""
        if not (sx > 0 and sy > 0):
            raise ValueError(f'scale factors must be > 0, got {sx}, {sy}')
        return PartAffine(self.ax * sx, self.bx * sx, self.ay * sy, self.by * sy)

    def hflip(self, width: float) -> PartAffine:
        """Then mirror a ``width``-wide image: ``x -> width - x``."""
        return PartAffine(-self.ax, width - self.bx, self.ay, self.by)

    def to_dict(self) -> dict[str, float]:
        """Plain floats (for data-sample metainfo)."""
        return dict(ax=float(self.ax), bx=float(self.bx), ay=float(self.ay), by=float(self.by))

    def apply(self, boxes: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """Frame boxes ``(..., 4|5)`` -> input boxes (``x1 <= x2`` kept; extra columns copied)."""
        out = _boxes(boxes)
        x1, x2 = out[..., 0] * self.ax + self.bx, out[..., 2] * self.ax + self.bx
        out[..., 0], out[..., 2] = np.minimum(x1, x2), np.maximum(x1, x2)
        out[..., 1] = out[..., 1] * self.ay + self.by
        out[..., 3] = out[..., 3] * self.ay + self.by
        return out

    def invert(self, boxes: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """Input boxes ``(..., 4|5)`` -> frame boxes: the inverse of :meth:`apply`."""
        out = _boxes(boxes)
        x1, x2 = (out[..., 0] - self.bx) / self.ax, (out[..., 2] - self.bx) / self.ax
        out[..., 0], out[..., 2] = np.minimum(x1, x2), np.maximum(x1, x2)
        out[..., 1] = (out[..., 1] - self.by) / self.ay
        out[..., 3] = (out[..., 3] - self.by) / self.ay
        return out


def _boxes(boxes: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    arr = np.array(boxes, dtype=np.float64)  # a copy
    if arr.ndim < 1 or arr.shape[-1] < 4:
        raise ValueError(f'boxes must be (..., 4|5), got shape {arr.shape}')
    return arr


def flip_permutation(part_names: Sequence[str]) -> np.ndarray:
    """Index array ``perm`` with ``after_flip[k] = before_flip[perm[k]]``.

    ``left_<x>`` and ``right_<x>`` swap; a part without a mirror maps to itself.

    Raises:
        ValueError: a ``left_``/``right_`` part whose mirror is not in ``part_names``.
    """
    index = {n: i for i, n in enumerate(part_names)}
    perm = np.arange(len(part_names))
    for i, name in enumerate(part_names):
        for a, b in (('left_', 'right_'), ('right_', 'left_')):
            if name.startswith(a):
                mirror = b + name[len(a):]
                if mirror not in index:
                    raise ValueError(f'part {name!r} has no mirror {mirror!r} in '
                                     f'{list(part_names)}')
                perm[i] = index[mirror]
    return perm
