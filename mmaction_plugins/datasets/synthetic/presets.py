"""Presets (``tiny``, ``small``, ``full``) and the difficulty knobs they set."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ['Knobs', 'Preset', 'PRESETS']


@dataclass(frozen=True)
class Knobs:
    """Difficulty knobs (all documented in the dataset README).

    Args:
        actors: (min, max) actors per video, inclusive.
        occlusion: 0..1, how close together the depth lanes are: at 1 every actor shares two
            adjacent lanes, so actors in front of each other overlap often.
        object_density: Mean number of distractor objects (balls, crates, doors) per video, placed
            away from where actors stand at the start.
        clutter: Number of background clutter shapes (walls and floor).
        camera_motion: Maximum camera pan, in pixels, of a smooth random walk.
        class_balance: Long-tail exponent ``a``: a class of frequency rank ``r`` is scripted with
            weight ``(r + 1) ** -a``; 0 is balanced, ~1 resembles AVA's long tail.
        box_noise: Std of the jitter added to *training* boxes, as a fraction of the box size.
        label_noise: Probability that a *training* label row is dropped.
        empty_start: Probability that a video starts with nobody in view.
    """

    actors: tuple[int, int] = (2, 4)
    occlusion: float = 0.3
    object_density: float = 1.0
    clutter: int = 12
    camera_motion: float = 3.0
    class_balance: float = 0.6
    box_noise: float = 0.0
    label_noise: float = 0.0
    empty_start: float = 0.25


@dataclass(frozen=True)
class Preset:
    """A dataset size and its knobs.

    Args:
        name: Preset name.
        n_train: Number of training videos.
        n_val: Number of validation videos.
        seconds: Length of every video (AVA-like: keyframes at seconds 2..seconds-2).
        width: Frame width in pixels.
        height: Frame height in pixels.
        fps: Frames per second (AVA's 30).
        coco_stride: Every how many frames a COCO image (detector / pose data) is exported.
        tps_stride: Every how many frames a Kinetics-TPS frame annotation is exported.
        knobs: Difficulty knobs.
    """

    name: str
    n_train: int
    n_val: int
    seconds: int
    width: int = 192
    height: int = 144
    fps: int = 30
    coco_stride: int = 15
    tps_stride: int = 15
    knobs: Knobs = field(default_factory=Knobs)


PRESETS: dict[str, Preset] = {
    'tiny': Preset('tiny', n_train=2, n_val=2, seconds=12),
    'small': Preset('small', n_train=32, n_val=16, seconds=20),
    'full': Preset('full', n_train=120, n_val=40, seconds=30,
                   knobs=Knobs(actors=(2, 5), class_balance=0.8)),
}
