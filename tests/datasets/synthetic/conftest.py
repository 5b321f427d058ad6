"""Fixtures: the ``tiny`` preset generated once per session, and hand-built scenes."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.datasets.synthetic.actors import Actor, Appearance, PoseTrack
from mmaction_plugins.datasets.synthetic.scene import Lamp, Scene, SceneObject, height_at


@pytest.fixture(scope='session')
def tiny(synthetic_tiny: tuple[str, dict]) -> tuple[str, dict]:
    """(output folder, manifest) of ``--preset tiny --seed 0`` (see ``tests/conftest.py``)."""
    return synthetic_tiny


def make_actor(actor_id: int, x: float, ground_y: float = 120.0, num_frames: int = 90,
               frame_h: int = 144) -> Actor:
    """A motionless standing actor facing right."""
    return Actor(actor_id=actor_id, appearance=Appearance((200, 0, 0), (0, 200, 0), (90, 120, 170)),
                 ground_y=ground_y, height=height_at(ground_y, frame_h), lie_dir=1,
                 track=PoseTrack.still(num_frames, x))


def make_scene(actors: list[Actor], objects: list[SceneObject] | None = None,
               cue_frame: int | None = None, width: int = 192, height: int = 144) -> Scene:
    """A scene around hand-built actors (no camera motion, plain background)."""
    n = len(actors[0].track.x)
    return Scene(video_id='hand', num_frames=n, width=width, height=height, fps=30,
                 actors=actors, objects=objects or [], lamp=Lamp(20.0, 10.0, 4.0),
                 cue_frame=cue_frame, camera=np.zeros((n, 2), dtype=np.int64),
                 background=np.full((height + 2, width + 2, 3), 128, dtype=np.uint8), margin=1,
                 theme='walk',
                 intents={c: np.zeros((len(actors), n), dtype=bool) for c in
                          ('jump', 'spin', 'hand over', 'wave', 'point', 'raise arm')})
