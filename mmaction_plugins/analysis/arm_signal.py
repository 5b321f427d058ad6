"""How large the synthetic benchmark's arm evidence is at a model's input scale.

The arm classes (wave, point, raise arm) are scripted arm motions (:mod:`~mmaction_plugins.
datasets.synthetic.programs`): the forearm oscillates, the elbow straightens, the upper arm rises.
The renderer draws the upper arm ``limb_thickness(h)`` and the forearm one pixel thinner
(``h``: the actor's standing height in frame pixels). A model that resizes the frames to a short
side ``S`` sees them ``S / frame_height`` as large. :func:`arm_signal_size` measures, at that
scale, for every visible (actor, frame) label of an arm class and — as the reference a model must
tell them from — of no arm class:

- the person box height,
- the drawn upper-arm and forearm widths,
- the *wrist travel*: over the clip a keyframe's model sees (``clip_frames`` frames centred on
  it), the larger over both arms of the extent (the diagonal of the bounding box) of the wrist's
  path relative to its shoulder, so that walking or a moving camera adds nothing (median and
  90th percentile).
"""

from __future__ import annotations

import numpy as np

__all__ = ['arm_signal_size']


def _wrist_travel(joints: np.ndarray, t: int, half: int) -> float:
    """Wrist travel (frame pixels) of one actor over frames ``[t - half, t + half)``.

    Args:
        joints: (T, J, 3) the actor's joints in frame pixels.
        t: Keyframe index.
        half: Half the clip length in frames.
    """
    from mmaction_plugins.datasets.synthetic.actors import JOINT

    lo, hi = max(t - half, 0), min(t + half, len(joints))
    travel = 0.0
    for side in ('left', 'right'):
        wrist, shoulder = JOINT[f'{side}_wrist'], JOINT[f'{side}_shoulder']
        rel = joints[lo:hi, wrist, :2] - joints[lo:hi, shoulder, :2]
        travel = max(travel, float(np.linalg.norm(rel.max(0) - rel.min(0))))
    return travel


def arm_signal_size(preset_name: str, seed: int, short_side: int = 64, clip_frames: int = 32,
                    video_step: int = 1, frame_step: int = 1) -> dict[str, dict[str, float]]:
    """Median sizes of the arm evidence, in pixels of an input resized to ``short_side``.

    The scenes are planned as :func:`~mmaction_plugins.datasets.synthetic.generate.generate`
    plans them and annotated (nothing rendered).

    Args:
        preset_name: A :data:`~mmaction_plugins.datasets.synthetic.PRESETS` key.
        seed: Dataset seed.
        short_side: The model's input short side (the tiny configs: 64).
        clip_frames: Frames a keyframe's clip spans (the tiny configs: 16 x 2 = 32).
        video_step: Use every ``video_step``-th video.
        frame_step: Use every ``frame_step``-th frame.

    Returns:
        ``{row: {'labels': n, 'box_height': px, 'upper_arm_width': px, 'forearm_width': px,
        'wrist_travel': px, 'wrist_travel_p90': px}}`` (medians unless named) for each arm class
        by name and ``'no arm class'``.

    Raises:
        ValueError: The sampled videos hold no label of some arm class.
    """
    from mmaction_plugins.datasets.synthetic import PRESETS
    from mmaction_plugins.datasets.synthetic.actors import limb_thickness
    from mmaction_plugins.datasets.synthetic.classes import CLASSES
    from mmaction_plugins.datasets.synthetic.generate import plan_scenes
    from mmaction_plugins.datasets.synthetic.labels import annotate

    arm = {c.id - 1: c.name for c in CLASSES if c.group == 'arm'}
    rows = [*arm.values(), 'no arm class']
    sizes: dict[str, list[tuple[float, float, float, float]]] = {r: [] for r in rows}
    for index, _, _, scene in plan_scenes(PRESETS[preset_name], seed):
        if index % video_step:
            continue
        ann = annotate(scene)
        k = short_side / min(scene.width, scene.height)
        for a, actor in enumerate(scene.actors):
            th = limb_thickness(actor.height)
            widths = (k * th, k * max(1, th - 1))
            for t in range(0, scene.num_frames, frame_step):
                if not ann.visible[a, t]:
                    continue
                on = [name for col, name in arm.items() if ann.labels[a, t, col]]
                entry = (k * float(ann.boxes[a, t, 3] - ann.boxes[a, t, 1]), *widths,
                         k * _wrist_travel(ann.joints[a], t, clip_frames // 2))
                for name in on or ['no arm class']:
                    sizes[name].append(entry)
    missing = [r for r in rows if not sizes[r]]
    if missing:
        raise ValueError(f'synthetic preset {preset_name!r} seed {seed}: no label of {missing} in '
                         f'every {video_step}-th video')
    keys = ('box_height', 'upper_arm_width', 'forearm_width', 'wrist_travel')
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        med = np.median(np.asarray(sizes[r]), axis=0)
        out[r] = {'labels': float(len(sizes[r])), **dict(zip(keys, map(float, med))),
                  'wrist_travel_p90': float(np.percentile([e[3] for e in sizes[r]], 90))}
    return out
