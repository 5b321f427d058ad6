"""How much of the synthetic benchmark's context evidence a scaled person box covers.

A context class (kick ball, pick up box, open door) holds for an actor when an object of its
kind stands on the actor's ground line with its centre within :func:`context_margin` (half a
standing height) beside the person box (:func:`~mmaction_plugins.datasets.synthetic.labels.
annotate`). A head that reads context from the person box scaled by ``s`` about its centre
(PCCA's context box, ``s = 2`` in the report) sees that object's centre only if it lies within
``(s - 1) / 2`` box widths of the box's nearer side edge. :func:`context_box_coverage` counts,
over the context-positive (actor, frame) labels, the share for which it does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ['context_box_coverage']


def context_box_coverage(preset_name: str, seed: int, scales: Sequence[float] = (2.0, 3.0, 4.0),
                         video_step: int = 1, frame_step: int = 1) -> dict[str, object]:
    """Share of context labels whose object centre lies inside the ``s``-scaled person box.

    The scenes are planned as :func:`~mmaction_plugins.datasets.synthetic.generate.generate`
    plans them (nothing rendered); boxes are the annotated frame boxes (clipped to the frame)
    in world coordinates; the object is the nearest one of the class's kind on the actor's
    ground line (within 0.1 heights, the labelling rule).

    Args:
        preset_name: A :data:`~mmaction_plugins.datasets.synthetic.PRESETS` key.
        seed: Dataset seed.
        scales: Box scales ``s`` to count.
        video_step: Use every ``video_step``-th video.
        frame_step: Use every ``frame_step``-th frame.

    Returns:
        ``{'labels': n, 'median_box_aspect': w / h, 'coverage': {s: share in [0, 1]}}``.

    Raises:
        ValueError: The sampled videos hold no context label.
    """
    from mmaction_plugins.datasets.synthetic import PRESETS
    from mmaction_plugins.datasets.synthetic.classes import class_index
    from mmaction_plugins.datasets.synthetic.generate import plan_scenes
    from mmaction_plugins.datasets.synthetic.labels import annotate
    from mmaction_plugins.datasets.synthetic.scene import CONTEXT_OBJECT

    inside = np.zeros(len(scales), np.int64)
    aspects: list[float] = []
    for index, _, _, scene in plan_scenes(PRESETS[preset_name], seed):
        if index % video_step:
            continue
        ann = annotate(scene)
        for name, kind in CONTEXT_OBJECT.items():
            objects = [o for o in scene.objects if o.kind == kind]
            col = class_index(name)
            for a, actor in enumerate(scene.actors):
                centres = np.array([(o.box()[0] + o.box()[2]) / 2 for o in objects
                                    if abs(o.ground_y - actor.ground_y) <= 0.1 * actor.height])
                for t in range(0, scene.num_frames, frame_step):
                    if not (ann.labels[a, t, col] and ann.visible[a, t]) or not len(centres):
                        continue
                    x1, y1, x2, y2 = ann.boxes[a, t] + np.tile(scene.camera[t], 2)
                    w = x2 - x1
                    beyond = np.maximum(x1 - centres, centres - x2).min()  # < 0: over the box
                    aspects.append(w / max(y2 - y1, 1e-6))
                    inside += np.array([beyond <= (s - 1) / 2 * w for s in scales])
    if not aspects:
        raise ValueError(f'synthetic preset {preset_name!r} seed {seed}: no context label in '
                         f'every {video_step}-th video')
    return {'labels': len(aspects), 'median_box_aspect': float(np.median(aspects)),
            'coverage': {float(s): float(v) / len(aspects) for s, v in zip(scales, inside)}}
