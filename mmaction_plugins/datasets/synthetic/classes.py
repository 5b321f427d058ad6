"""The benchmark's vocabulary: action classes (grouped by the capability they need) and part states.

Every action class belongs to exactly one *group*; a group names the one capability a model needs
to tell the class apart (see the dataset README for the reasoning and the sanity table):

=========== ==============================================================================
group       needs
=========== ==============================================================================
pose        one frame of the actor (its box crop)
motion      several frames of the actor (temporal modelling)
context     the scene around the actor (within ~2x its box), not the box itself
relation    another actor
long-term   an event more than one clip length before the keyframe
arm         small limb motion inside the box
=========== ==============================================================================

Part states (Kinetics-TPS style) are a separate, per-body-part vocabulary (:data:`PART_STATES`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ['ActionClass', 'CLASSES', 'GROUPS', 'CLASS_BY_NAME', 'PART_STATES', 'TPS_PARTS',
           'class_index', 'label_map_pbtxt', 'label_map_text']

GROUPS: tuple[str, ...] = ('pose', 'motion', 'context', 'relation', 'long-term', 'arm')


@dataclass(frozen=True)
class ActionClass:
    """One action class.

    Args:
        id: AVA class id (1-based, as in the label map and the CSVs).
        name: Class name.
        group: One of :data:`GROUPS`.
        rank: Frequency rank (0 = most frequent) used by the long-tail ``class_balance`` knob.
        rule: How the ground truth is decided, for the README.
    """

    id: int
    name: str
    group: str
    rank: int
    rule: str


CLASSES: tuple[ActionClass, ...] = (
    ActionClass(1, 'stand', 'pose', 0, 'upright body, straight-ish legs'),
    ActionClass(2, 'crouch', 'pose', 3, 'hips low, knees bent, torso leaned forward'),
    ActionClass(3, 'lie', 'pose', 9, 'body horizontal on the ground'),
    ActionClass(4, 'walk', 'motion', 1,
                'ground speed 0.25-0.9 heights/s over the +-0.5 s window'),
    ActionClass(5, 'run', 'motion', 7, 'ground speed >= 0.9 heights/s over the +-0.5 s window'),
    ActionClass(6, 'jump', 'motion', 12,
                'scripted hops in place, feet 12-25% of the height up, 0.45-0.7 s each'),
    ActionClass(7, 'spin', 'motion', 15, 'scripted turning about the vertical axis at 4-7 rad/s'),
    ActionClass(8, 'kick ball', 'context', 6,
                "a ball on the actor's ground line, centred within half the actor's height "
                'left or right of the box (~2x the box), >= 4 px from the box'),
    ActionClass(9, 'pick up box', 'context', 10, 'same rule with a crate'),
    ActionClass(10, 'open door', 'context', 17, 'same rule with a door'),
    ActionClass(11, 'approach', 'relation', 5,
                'walking towards a same-lane actor < 5 heights away, gap closing > 0.25 h/s'),
    ActionClass(12, 'chase', 'relation', 11,
                'running behind a same-lane actor who runs the same way, < 3.5 heights apart'),
    ActionClass(13, 'talk', 'relation', 2,
                'both still, same lane, 0.5-1.6 heights apart, boxes apart, facing each other'),
    ActionClass(14, 'hand over', 'relation', 14,
                'scripted: two facing actors reach out until their hands meet (both labelled)'),
    ActionClass(15, 'return', 'long-term', 16,
                '<= 4 s since re-entering after >= 3 s out of view, having been in view before'),
    ActionClass(16, 'wait', 'long-term', 18,
                'in view and still since the lamp cue flashed 0-8 s ago; val keyframes from 1.1 s '
                'before to 2.2 s after the cue are excluded'),
    ActionClass(17, 'wave', 'arm', 4, 'scripted: forearm oscillates at ~2 Hz by +-0.55 rad'),
    ActionClass(18, 'point', 'arm', 8, 'scripted: the elbow straightens steadily (arm extends)'),
    ActionClass(19, 'raise arm', 'arm', 13, 'scripted: the upper arm rises steadily'),
)

CLASS_BY_NAME: dict[str, ActionClass] = {c.name: c for c in CLASSES}

# Kinetics-TPS body parts (10) and the states each can take; the first state is the "neutral" one.
TPS_PARTS: tuple[str, ...] = ('head', 'torso', 'left_arm', 'right_arm', 'left_hand', 'right_hand',
                              'left_leg', 'right_leg', 'left_foot', 'right_foot')
PART_STATES: dict[str, tuple[str, ...]] = {
    'head': ('forward', 'turned'),
    'torso': ('upright', 'bent', 'horizontal'),
    'left_arm': ('straight', 'bent', 'raised'),
    'right_arm': ('straight', 'bent', 'raised'),
    'left_hand': ('below_shoulder', 'above_shoulder'),
    'right_hand': ('below_shoulder', 'above_shoulder'),
    'left_leg': ('straight', 'bent'),
    'right_leg': ('straight', 'bent'),
    'left_foot': ('grounded', 'lifted'),
    'right_foot': ('grounded', 'lifted'),
}


def class_index(name: str) -> int:
    """0-based column of class ``name`` in label arrays (its AVA id minus one)."""
    return CLASS_BY_NAME[name].id - 1


def label_map_pbtxt() -> str:
    """The label map in the official AVA ``.pbtxt`` form."""
    return ''.join(f'item {{\n  name: "{c.name}"\n  id: {c.id}\n}}\n' for c in CLASSES)


def label_map_text() -> str:
    """The label map as ``id: name`` lines."""
    return ''.join(f'{c.id}: {c.name}\n' for c in CLASSES)
