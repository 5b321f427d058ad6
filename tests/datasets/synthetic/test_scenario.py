"""Scenario planning: every theme is scripted, planning is a pure function of the generator."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.datasets.synthetic import CLASSES, PRESETS
from mmaction_plugins.datasets.synthetic.classes import class_index
from mmaction_plugins.datasets.synthetic.labels import annotate
from mmaction_plugins.datasets.synthetic.scenario import build_scene, class_weights, theme_order

THEMES = [c.name for c in CLASSES if c.group != 'pose']


@pytest.mark.parametrize('theme', THEMES)
def test_every_theme_is_labelled(theme):
    for seed in range(3):
        scene = build_scene(np.random.default_rng([11, seed]), PRESETS['tiny'], 'v', theme)
        ann = annotate(scene)
        assert ann.labels[..., class_index(theme)].any(), (theme, seed)


def test_planning_is_deterministic_and_seed_dependent():
    def plan(seed: int) -> np.ndarray:
        scene = build_scene(np.random.default_rng([seed, 0]), PRESETS['tiny'], 'v', 'wave')
        return np.concatenate([a.track.x for a in scene.actors] +
                              [a.track.arm_e.ravel() for a in scene.actors])

    np.testing.assert_array_equal(plan(3), plan(3))
    assert not np.array_equal(plan(3), plan(4))


def test_pose_classes_cannot_be_themes():
    with pytest.raises(ValueError, match='pose class'):
        build_scene(np.random.default_rng(0), PRESETS['tiny'], 'v', 'stand')


def test_theme_order_and_long_tail_weights():
    order = theme_order(np.random.default_rng(0))
    assert sorted(order) == sorted(THEMES)
    flat, tail = class_weights(0.0), class_weights(1.0)
    assert set(flat.values()) == {1.0}
    assert tail['stand'] == 1.0 and tail['wait'] == pytest.approx(1 / 19)
